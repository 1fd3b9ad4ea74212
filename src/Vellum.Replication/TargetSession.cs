using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// One source connection at the target: TLS, the handshake (the source proves the journal's
/// secret before any record is accepted), then two loops side by side: records in, appended
/// to the replica store as they arrive, and acknowledgements out, each sent once a sync of
/// the store covered what it acknowledges. Any bad record ends the session; what was stored
/// before it stays. Whatever ends it first breaks the connection (<see cref="ConnectionBreak"/>):
/// that reason is the one logged and the one told to the source.
/// </summary>
internal sealed partial class TargetSession(TcpClient client, ReplicaJournals journals, ReplicationServerOptions options, ILogger logger, CancellationToken stopping)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "unknown peer";
    private readonly SemaphoreSlim _appended = new(0);

    /// <summary>Why this side ends an accepted session, for the source to hear; null while it does not.</summary>
    private string? _closingNote;

    /// <summary>The protocol version the session speaks, agreed in the hello and challenge.</summary>
    private ushort _version;

    /// <summary>The last acknowledgement sent (first: what the verdict told); the closing note goes after it again, with the state at the end.</summary>
    private Acknowledgement _lastAck;

    /// <summary>How long a closing note and the source's closing may take before the connection is dropped anyway.</summary>
    private static readonly TimeSpan ClosingGrace = TimeSpan.FromSeconds(2);

    /// <summary>Bytes received from the socket at once under TLS: SslStream reads its records, and the sealed frames their headers, in small pieces.</summary>
    private const int ReadAheadSize = 256 << 10;

    public async Task RunAsync()
    {
        using var connection = client;
        connection.NoDelay = true;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // Breaking cancels the session's loops and leaves the socket open: a closing note may still go out below.
        var session = new ConnectionBreak(cancellation);
        Stream stream = connection.GetStream();
        SealedStream? sealedStream = null;
        ReplicaJournal? closing = null;
        var receiving = false;
        try
        {
            cancellation.CancelAfter(WireFormat.HandshakeTimeout);
            ReadAheadStream? underTls = null;
            if (options.Certificate is { } certificate)
            {
                underTls = new ReadAheadStream(stream, ReadAheadSize);
                var tls = new SslStream(underTls, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, session.Token).ConfigureAwait(false);
            }
            if (await HandshakeAsync(stream, cancellation).ConfigureAwait(false) is not { } accepted)
                return;
            var (journal, keys) = accepted;
            if (journal is null)
            {
                await ServeFetchesAsync(underTls, stream, accepted.FetchFrom!, keys, cancellation, session).ConfigureAwait(false);
                return;
            }
            closing = journal;
            try
            {
                if (underTls is not null)
                {
                    // Past the handshake TLS carries nothing more: the source's records and these
                    // acknowledgements go in sealed frames on the connection itself. Nothing is
                    // sent before the source's empty first frame, so no frame can reach the
                    // source while its TLS layer still reads the verdict (docs/replication.md).
                    sealedStream = new SealedStream(underTls, keys.TargetToSource, keys.SourceToTarget);
                    await sealedStream.ReadOpeningAsync(session.Token).ConfigureAwait(false);
                }
                cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
                receiving = true;
                await ReceiveAsync(sealedStream ?? stream, journal, session).ConfigureAwait(false);
            }
            finally
            {
                journal.Release();
            }
        }
        catch (Exception error) when (ConnectionBreak.Ends(error))
        {
            session.Break(error);
        }
        finally
        {
            if (session.Reason is { } reason)
                LogEnd(reason, receiving);
            if (_closingNote is { } note)
                await CloseWithNoteAsync(connection, sealedStream ?? stream, LastWords(closing), note).ConfigureAwait(false);
            if (sealedStream is not null)
                await sealedStream.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            _appended.Dispose();
        }
    }

    /// <summary>Logs why the session ended: the first reason its connection broke for, once.</summary>
    private void LogEnd(Exception reason, bool receiving)
    {
        switch (reason)
        {
            case OperationCanceledException when stopping.IsCancellationRequested:
                break;
            case OperationCanceledException when receiving:
                ReplicationLog.TakenOver(logger, _peer);
                break;
            case OperationCanceledException:
                ReplicationLog.HandshakeTimedOut(logger, _peer, (int)WireFormat.HandshakeTimeout.TotalSeconds);
                break;
            default:
                ReplicationLog.Disconnected(logger, _peer, Describe(reason));
                break;
        }
    }

    /// <summary>
    /// Sends the closing note, then half-closes and reads what the source still sends until it
    /// closes: closing with its records unread would reset the connection, and a reset can
    /// overtake the note.
    /// </summary>
    private static async Task CloseWithNoteAsync(TcpClient connection, Stream session, byte[] lastAck, string note)
    {
        using var grace = new CancellationTokenSource(ClosingGrace);
        try
        {
            await session.WriteAsync(lastAck, grace.Token).ConfigureAwait(false);
            await session.WriteAsync(TargetRecord.Note(note), grace.Token).ConfigureAwait(false);
            await session.FlushAsync(grace.Token).ConfigureAwait(false);
            connection.Client.Shutdown(SocketShutdown.Send);
            var unread = new byte[64 << 10];
            while (await connection.Client.ReceiveAsync(unread, SocketFlags.None, grace.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception gone) when (gone is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The source is gone or slow to close: the note was a courtesy, the log has the reason.
        }
    }

    /// <summary>
    /// From protocol version 3 on, the last acknowledgement again with the state as it is at the
    /// end (a full disk, say), so the source learns that state from the record and the note says
    /// it in words; nothing before version 3.
    /// </summary>
    private byte[] LastWords(ReplicaJournal? journal)
    {
        if (journal is null || _version < WireFormat.TargetStateVersion)
            return [];
        var record = new byte[Acknowledgement.MaxRecordSize];
        var length = (_lastAck with { Report = Report(journal) }).Format(record);
        return record[..length];
    }

    /// <summary>The target's state for <paramref name="journal"/>, as its acknowledgements of version 3 carry it.</summary>
    private TargetReport Report(ReplicaJournal journal)
    {
        var mirror = options.Mirror(journal.Id);
        return new TargetReport(mirror.State, journal.DiskFull, mirror.Problem);
    }

    private static string Describe(Exception error) => error switch
    {
        System.Security.Authentication.AuthenticationException => $"TLS handshake failed ({error.Message}{(error.InnerException is { } inner ? ": " + inner.Message : "")}); a plain connection to a TLS port, or a source that does not trust this certificate",
        _ => error.Message,
    };

    /// <summary>What an accepted handshake opened: the journal a replicating session took, or the store a fetch session reads; and the session's keys.</summary>
    private sealed record Accepted(ReplicaJournal? Journal, SessionKeys Keys, string? FetchFrom = null)
    {
        public void Deconstruct(out ReplicaJournal? journal, out SessionKeys keys) => (journal, keys) = (Journal, Keys);
    }

    /// <summary>Hello, challenge, proof, verdict. Returns the journal taken for this session (or the store a fetch reads) and the session's keys, or null when refused.</summary>
    private async Task<Accepted?> HandshakeAsync(Stream stream, CancellationTokenSource session)
    {
        var cancellation = session.Token;
        if (await Handshake.ReadHelloAsync(stream, cancellation).ConfigureAwait(false) is not { } hello)
        {
            // Under TLS 1.3 a source checks the certificate only once the handshake is complete here, and refusing it just closes.
            if (options.Certificate is { } certificate)
                ReplicationLog.NoHelloAfterTls(logger, _peer, ServerCertificate.Fingerprint(certificate));
            else
                ReplicationLog.NoHello(logger, _peer);
            return null;
        }
        var nonce = HandshakeProof.NewNonce();
        if (hello.SessionVersion() is not { } version)
        {
            // The challenge names this side's version, by which the source says what it cannot do; then this side closes.
            ReplicationLog.Refused(logger, _peer, $"journal {hello.JournalId}: the source speaks replication protocol {Handshake.Versions(hello)}; this target speaks versions {WireFormat.OldestVersion} to {WireFormat.Version}");
            await Handshake.WriteChallengeAsync(stream, new Handshake.Challenge(nonce, WireFormat.Version), cancellation).ConfigureAwait(false);
            return null;
        }
        _version = version;
        await Handshake.WriteChallengeAsync(stream, new Handshake.Challenge(nonce, version), cancellation).ConfigureAwait(false);
        var proof = await Handshake.ReadProofAsync(stream, cancellation).ConfigureAwait(false);
        if (!options.Secrets.TryGet(hello.JournalId, out var secret))
            return await RefuseAsync(stream, $"journal {hello.JournalId}: no secret configured for it", "authentication failed", cancellation).ConfigureAwait(false);
        if (!HandshakeProof.Matches(HandshakeProof.Source(secret, hello.JournalId, hello.Nonce, nonce), proof))
            return await RefuseAsync(stream, $"journal {hello.JournalId}: wrong secret", "authentication failed", cancellation).ConfigureAwait(false);
        if (hello.Kind == SessionKind.Fetch)
            return await AcceptFetchAsync(stream, hello, nonce, secret, cancellation).ConfigureAwait(false);
        ReplicaJournal journal;
        try
        {
            journal = journals.Open(hello.JournalId, hello.SyncPoint);
        }
        catch (ReplicationRefusedException refused)
        {
            // The store's own words name this machine's paths: the log keeps them, the source gets the gist.
            var told = refused.InnerException is null ? refused.Message : $"journal {hello.JournalId}: the target cannot store it as a replica of the store offered (its log says why)";
            return await RefuseAsync(stream, refused.Message, told, cancellation).ConfigureAwait(false);
        }
        var (acquired, tookOver) = await journal.AcquireAsync(session, WireFormat.HandshakeTimeout).ConfigureAwait(false);
        if (!acquired)
            return await RefuseAsync(stream, $"journal {hello.JournalId}: the session receiving it did not end", $"journal {hello.JournalId} is being received from another connection", cancellation).ConfigureAwait(false);
        if (tookOver)
            ReplicationLog.TakingOver(logger, _peer, hello.JournalId);
        try
        {
            var store = journal.Store;
            var resume = store.WrittenPosition;
            var verdict = new Handshake.Verdict(true, "", HandshakeProof.Target(secret, hello.JournalId, hello.Nonce, nonce), resume, store.DurablePosition);
            _lastAck = new Acknowledgement(journal.Snapshot().HighestEnded, resume, verdict.Durable, options.Mirror(journal.Id).Applied);
            await Handshake.WriteVerdictAsync(stream, verdict, cancellation).ConfigureAwait(false);
            ReplicationLog.Receiving(logger, _peer, hello.JournalId, resume);
            if (version < WireFormat.TargetStateVersion)
                ReplicationLog.OlderSource(logger, _peer, hello.JournalId, version);
            return new Accepted(journal, SessionKeys.Derive(secret, hello.JournalId, hello.Nonce, nonce));
        }
        catch
        {
            journal.Release();
            throw;
        }
    }

    private async Task<Accepted?> RefuseAsync(Stream stream, string logged, string told, CancellationToken cancellation, bool noCopy = false)
    {
        ReplicationLog.Refused(logger, _peer, logged);
        await Handshake.WriteVerdictAsync(stream, new Handshake.Verdict(false, told, [], 0, 0, noCopy), cancellation).ConfigureAwait(false);
        return null;
    }

    private async Task ReceiveAsync(Stream stream, ReplicaJournal journal, ConnectionBreak session)
    {
        var acknowledging = AcknowledgeAsync(stream, journal, session);
        try
        {
            using var reader = new RecordRunReader();
            while (true)
            {
                ReadOnlyMemory<byte> run;
                try
                {
                    run = await reader.ReadRunAsync(stream, session.Token).ConfigureAwait(false);
                }
                catch (ReplicationRefusedException refused)
                {
                    throw Ending(session, new ReplicationRefusedException($"journal {journal.Id} at store position {journal.Store.WrittenPosition}: {refused.Message}"));
                }
                if (run.IsEmpty)
                {
                    ReplicationLog.SourceClosed(logger, _peer, journal.Id, journal.Store.WrittenPosition);
                    return;
                }
                try
                {
                    journal.Append(run.Span);
                }
                catch (RecordsRejectedException refused)
                {
                    throw Ending(session, new ReplicationRefusedException($"journal {journal.Id}: {refused.Message}; everything before it is kept"));
                }
                catch (StoreIOException failure)
                {
                    // The store's message names this machine's paths: the log keeps it, the source gets the gist.
                    var at = journal.Store.WrittenPosition;
                    throw Ending(session, failure, failure is StoreFullException
                        ? $"journal {journal.Id}: the target's disk is full at store position {at}; it keeps everything before it and takes the rest once there is room"
                        : $"journal {journal.Id}: the target cannot store records at store position {at} (errno {failure.Errno}); it keeps everything before it");
                }
                _appended.Release();
            }
        }
        finally
        {
            // However receiving ended, the acknowledgements end with it.
            session.End();
            await acknowledging.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Breaks the session for <paramref name="refused"/>, whose reason the source is told in
    /// the closing note unless the connection broke for another reason first; returns the
    /// reason it broke for, to throw.
    /// </summary>
    private Exception Ending(ConnectionBreak session, Exception refused, string? note = null)
    {
        var first = session.Break(refused);
        if (ReferenceEquals(first, refused))
            _closingNote = note ?? refused.Message;
        return first;
    }

    /// <summary>
    /// Sends an acknowledgement after each sync that covered new records, and one every
    /// <see cref="WireFormat.AckInterval"/> regardless, so the source can tell an idle link
    /// from a dead one. A failure to send breaks the session.
    /// </summary>
    private async Task AcknowledgeAsync(Stream stream, ReplicaJournal journal, ConnectionBreak session)
    {
        var record = new byte[Acknowledgement.MaxRecordSize];
        var store = journal.Store;
        var cancellation = session.Token;
        // An acknowledgement is written whole even when the session breaks meanwhile: cut off
        // by the break, it would leave a gap in the sealed frames, and the closing note after
        // it would reach the source as a frame that fails authentication instead of the reason.
        using var sending = new CancellationTokenSource();
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var (written, highestEnded) = journal.Snapshot();
                if (store.DurablePosition < written)
                    await store.WaitDurableAsync(written, cancellation).ConfigureAwait(false);
                var mirror = options.Mirror(journal.Id);
                var ack = new Acknowledgement(highestEnded, written, store.DurablePosition, mirror.Applied)
                {
                    Report = _version >= WireFormat.TargetStateVersion ? Report(journal) : null,
                };
                var length = ack.Format(record);
                _lastAck = ack;
                sending.CancelAfter(WireFormat.SilenceLimit);
                await stream.WriteAsync(record.AsMemory(0, length), sending.Token).ConfigureAwait(false);
                await stream.FlushAsync(sending.Token).ConfigureAwait(false);
                sending.TryReset();
                if (journal.Store.WrittenPosition == written)
                    await _appended.WaitAsync(WireFormat.AckInterval, cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (sending.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            session.Break(new IOException($"the source took no acknowledgement for {WireFormat.SilenceLimit.TotalSeconds:0} s"));
        }
        catch (Exception error)
        {
            // Once the session is cancelled, a failure here is its consequence, not a reason.
            if (!cancellation.IsCancellationRequested)
                session.Break(error);
        }
    }
}
