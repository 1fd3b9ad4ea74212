using System.Net.Security;
using System.Net.Sockets;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// One source connection at the target: TLS, the handshake (the source proves the journal's
/// secret before any record is accepted), then two loops side by side: records in, appended
/// to the replica store as they arrive, and acknowledgements out, each sent once a sync of
/// the store covered what it acknowledges. Any bad record ends the session; what was stored
/// before it stays.
/// </summary>
internal sealed class TargetSession(TcpClient client, ReplicaJournals journals, ReplicationServerOptions options, CancellationToken stopping)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "unknown peer";
    private readonly SemaphoreSlim _appended = new(0);

    /// <summary>Why this side ends an accepted session, for the source to hear; null while it does not.</summary>
    private string? _closingNote;

    /// <summary>How long a closing note and the source's closing may take before the connection is dropped anyway.</summary>
    private static readonly TimeSpan ClosingGrace = TimeSpan.FromSeconds(2);

    /// <summary>Bytes received from the socket at once under TLS: SslStream reads its records, and the sealed frames their headers, in small pieces.</summary>
    private const int ReadAheadSize = 256 << 10;

    public async Task RunAsync()
    {
        using var connection = client;
        connection.NoDelay = true;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Stream stream = connection.GetStream();
        SealedStream? sealedStream = null;
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
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellation.Token).ConfigureAwait(false);
            }
            if (await HandshakeAsync(stream, cancellation).ConfigureAwait(false) is not { } accepted)
                return;
            var (journal, keys) = accepted;
            try
            {
                if (underTls is not null)
                {
                    // Past the handshake TLS carries nothing more: the source's records and these
                    // acknowledgements go in sealed frames on the connection itself. Nothing is
                    // sent before the source's empty first frame, so no frame can reach the
                    // source while its TLS layer still reads the verdict (docs/replication.md).
                    sealedStream = new SealedStream(underTls, keys.TargetToSource, keys.SourceToTarget);
                    await sealedStream.ReadOpeningAsync(cancellation.Token).ConfigureAwait(false);
                }
                cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
                receiving = true;
                await ReceiveAsync(sealedStream ?? stream, journal, cancellation).ConfigureAwait(false);
            }
            finally
            {
                journal.Release();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (receiving)
        {
            options.Log($"{_peer}: a newer session for its journal took over; disconnected");
        }
        catch (OperationCanceledException)
        {
            options.Log($"{_peer}: no complete handshake within {WireFormat.HandshakeTimeout.TotalSeconds:0} s; disconnected, nothing stored");
        }
        catch (Exception error) when (error is IOException or SocketException or ReplicationRefusedException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            options.Log($"{_peer}: {Describe(error)}; disconnected");
        }
        finally
        {
            if (_closingNote is { } note)
                await CloseWithNoteAsync(connection, sealedStream ?? stream, note).ConfigureAwait(false);
            if (sealedStream is not null)
                await sealedStream.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            _appended.Dispose();
        }
    }

    /// <summary>
    /// Sends the closing note, then half-closes and reads what the source still sends until it
    /// closes: closing with its records unread would reset the connection, and a reset can
    /// overtake the note.
    /// </summary>
    private static async Task CloseWithNoteAsync(TcpClient connection, Stream session, string note)
    {
        using var grace = new CancellationTokenSource(ClosingGrace);
        try
        {
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

    private static string Describe(Exception error) => error switch
    {
        System.Security.Authentication.AuthenticationException => $"TLS handshake failed ({error.Message}{(error.InnerException is { } inner ? ": " + inner.Message : "")}); a plain connection to a TLS port, or a source that does not trust this certificate",
        _ => error.Message,
    };

    /// <summary>Hello, challenge, proof, verdict. Returns the journal taken for this session and the session's keys, or null when refused.</summary>
    private async Task<(ReplicaJournal Journal, SessionKeys Keys)?> HandshakeAsync(Stream stream, CancellationTokenSource session)
    {
        var cancellation = session.Token;
        if (await Handshake.ReadHelloAsync(stream, cancellation).ConfigureAwait(false) is not { } hello)
        {
            // Under TLS 1.3 a source checks the certificate only once the handshake is complete here, and refusing it just closes.
            options.Log(options.Certificate is { } certificate
                ? $"{_peer}: closed the connection after the TLS handshake without a hello, as a source that does not trust this server's certificate ({ServerCertificate.Fingerprint(certificate)}) does; disconnected, nothing stored"
                : $"{_peer}: closed the connection without a hello; disconnected, nothing stored");
            return null;
        }
        var nonce = HandshakeProof.NewNonce();
        await Handshake.WriteChallengeAsync(stream, new Handshake.Challenge(nonce), cancellation).ConfigureAwait(false);
        var proof = await Handshake.ReadProofAsync(stream, cancellation).ConfigureAwait(false);
        if (!options.Secrets.TryGet(hello.JournalId, out var secret))
            return await RefuseAsync(stream, $"journal {hello.JournalId}: no secret configured for it", "authentication failed", cancellation).ConfigureAwait(false);
        if (!HandshakeProof.Matches(HandshakeProof.Source(secret, hello.JournalId, hello.Nonce, nonce), proof))
            return await RefuseAsync(stream, $"journal {hello.JournalId}: wrong secret", "authentication failed", cancellation).ConfigureAwait(false);
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
            options.Log($"{_peer}: journal {hello.JournalId}: this session takes over from the one before, which ended without a word reaching this side");
        try
        {
            var store = journal.Store;
            var resume = store.WrittenPosition;
            var verdict = new Handshake.Verdict(true, "", HandshakeProof.Target(secret, hello.JournalId, hello.Nonce, nonce), resume, store.DurablePosition);
            await Handshake.WriteVerdictAsync(stream, verdict, cancellation).ConfigureAwait(false);
            options.Log($"{_peer}: journal {hello.JournalId}: receiving from store position {resume}");
            return (journal, SessionKeys.Derive(secret, hello.JournalId, hello.Nonce, nonce));
        }
        catch
        {
            journal.Release();
            throw;
        }
    }

    private async Task<(ReplicaJournal, SessionKeys)?> RefuseAsync(Stream stream, string logged, string told, CancellationToken cancellation)
    {
        options.Log($"{_peer}: {logged}; disconnected, nothing stored");
        await Handshake.WriteVerdictAsync(stream, new Handshake.Verdict(false, told, [], 0, 0), cancellation).ConfigureAwait(false);
        return null;
    }

    private async Task ReceiveAsync(Stream stream, ReplicaJournal journal, CancellationTokenSource cancellation)
    {
        var acknowledging = Task.Run(() => AcknowledgeAsync(stream, journal, cancellation.Token));
        try
        {
            using var reader = new RecordRunReader();
            while (true)
            {
                ReadOnlyMemory<byte> run;
                try
                {
                    run = await reader.ReadRunAsync(stream, cancellation.Token).ConfigureAwait(false);
                }
                catch (ReplicationRefusedException refused)
                {
                    throw Ending(new ReplicationRefusedException($"journal {journal.Id} at store position {journal.Store.WrittenPosition}: {refused.Message}"));
                }
                if (run.IsEmpty)
                {
                    options.Log($"{_peer}: journal {journal.Id}: the source closed the connection at store position {journal.Store.WrittenPosition}");
                    return;
                }
                try
                {
                    journal.Append(run.Span);
                }
                catch (RecordsRejectedException refused)
                {
                    throw Ending(new ReplicationRefusedException($"journal {journal.Id}: {refused.Message}; everything before it is kept"));
                }
                catch (StoreIOException failure)
                {
                    // The store's message names this machine's paths: the log keeps it, the source gets the gist.
                    var at = journal.Store.WrittenPosition;
                    _closingNote = failure is StoreFullException
                        ? $"journal {journal.Id}: the target's disk is full at store position {at}; it keeps everything before it and takes the rest once there is room"
                        : $"journal {journal.Id}: the target cannot store records at store position {at} (errno {failure.Errno}); it keeps everything before it";
                    throw;
                }
                _appended.Release();
            }
        }
        finally
        {
            await cancellation.CancelAsync().ConfigureAwait(false);
            try
            {
                await acknowledging.ConfigureAwait(false);
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Notes <paramref name="refused"/>'s reason as the session's closing note, and returns it to throw.</summary>
    private ReplicationRefusedException Ending(ReplicationRefusedException refused)
    {
        _closingNote = refused.Message;
        return refused;
    }

    /// <summary>
    /// Sends an acknowledgement after each sync that covered new records, and one every
    /// <see cref="WireFormat.AckInterval"/> regardless, so the source can tell an idle link
    /// from a dead one.
    /// </summary>
    private async Task AcknowledgeAsync(Stream stream, ReplicaJournal journal, CancellationToken cancellation)
    {
        var record = new byte[Acknowledgement.RecordSize];
        var store = journal.Store;
        while (!cancellation.IsCancellationRequested)
        {
            var (written, highestEnded) = journal.Snapshot();
            if (store.DurablePosition < written)
                await store.WaitDurableAsync(written, cancellation).ConfigureAwait(false);
            new Acknowledgement(highestEnded, written, store.DurablePosition, options.Applied(journal.Id)).Format(record);
            await stream.WriteAsync(record, cancellation).ConfigureAwait(false);
            await stream.FlushAsync(cancellation).ConfigureAwait(false);
            if (journal.Store.WrittenPosition == written)
                await _appended.WaitAsync(WireFormat.AckInterval, cancellation).ConfigureAwait(false);
        }
    }
}
