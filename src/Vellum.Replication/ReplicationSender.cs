using System.Net.Security;
using System.Net.Sockets;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// The source side for one target: the local store is the spool, read from the position the
/// target says it holds, only as far as it is durable here (so a source that crashes never
/// finds the target holding bytes it lost). It reconnects with backoff after any failure;
/// the application never waits for it unless it asks (<see cref="WaitAcknowledged"/>).
/// </summary>
public sealed class ReplicationSender : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);

    private readonly SegmentStore _store;
    private readonly byte[] _secret;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lock = new();
    private readonly Thread _thread;
    private long _acknowledged = -1;
    private long _sessions;
    private string? _problem;
    private volatile bool _connected;

    public ReplicationSender(SegmentStore store, ReplicationTarget target, byte[] secret, Action<string> log)
    {
        _store = store;
        Target = target;
        _secret = secret;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = $"vellum-replicate {target}" };
    }

    public ReplicationTarget Target { get; }

    /// <summary>The store position the target last acknowledged durable; -1 before its first acknowledgement.</summary>
    public long AcknowledgedDurable => Volatile.Read(ref _acknowledged);

    /// <summary>Sessions the target accepted since starting.</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    public bool Connected => _connected;

    /// <summary>Why the last session ended or could not start, or null.</summary>
    public string? Problem
    {
        get
        {
            lock (_lock)
                return _problem;
        }
    }

    public void Start() => _thread.Start();

    /// <summary>Returns true once the target acknowledged <paramref name="position"/> durable, false after <paramref name="timeout"/>.</summary>
    public bool WaitAcknowledged(long position, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (AcknowledgedDurable < position)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _stopping.IsCancellationRequested)
                    return false;
                Monitor.Wait(_lock, left);
            }
            return true;
        }
    }

    private void Run()
    {
        var backoff = FirstBackoff;
        while (!_stopping.IsCancellationRequested)
        {
            var accepted = Sessions;
            var durable = AcknowledgedDurable;
            try
            {
                RunSession();
            }
            catch (Exception error) when (error is IOException or SocketException or ReplicationRefusedException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException or StoreIOException)
            {
                if (_stopping.IsCancellationRequested)
                    return;
                // A session that moved the target's durable position on, however it ended,
                // restarts the backoff (docs/replication.md, Restart); one that did not (a
                // target whose disk is full takes the handshake, then fails every append) lets
                // it grow, so such a target is not asked ten times a second.
                if (Sessions != accepted && AcknowledgedDurable > durable)
                    backoff = FirstBackoff;
                var problem = error is System.Security.Authentication.AuthenticationException
                    ? $"TLS handshake failed: {error.Message}{(error.InnerException is { } inner ? ": " + inner.Message : "")}" : error.Message;
                SetProblem(problem);
                _log($"replication to {Target}: {problem}; retrying in {backoff.TotalSeconds:0.0} s");
            }
            finally
            {
                _connected = false;
            }
            if (_stopping.Token.WaitHandle.WaitOne(backoff))
                return;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastBackoff.Ticks));
        }
    }

    /// <summary>One connection: handshake, then records out and acknowledgements in until either side fails, which it throws.</summary>
    private void RunSession()
    {
        using var client = new TcpClient { NoDelay = true };
        client.ConnectAsync(Target.Host, Target.Port, _stopping.Token).AsTask().GetAwaiter().GetResult();
        using var registration = _stopping.Token.Register(client.Dispose);
        client.ReceiveTimeout = (int)WireFormat.SilenceLimit.TotalMilliseconds;
        client.SendTimeout = (int)WireFormat.SilenceLimit.TotalMilliseconds;
        using var handshake = Secure(client.GetStream());
        var (resume, keys) = Handshake(handshake);
        using var stream = handshake is SslStream ? Seal(client.GetStream(), keys) : handshake;
        Interlocked.Increment(ref _sessions);
        _connected = true;
        SetProblem(null);
        _log($"replicating journal {_store.Header.JournalId} to {Target} from store position {resume}");
        using var session = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var acknowledgements = new Thread(() => ReadAcknowledgements(stream, session)) { IsBackground = true, Name = $"vellum-replicate-acks {Target}" };
        acknowledgements.Start();
        try
        {
            Send(stream, resume, session.Token);
        }
        catch (Exception) when (session.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            // The acknowledgement reader ended the session; it says why below.
        }
        finally
        {
            session.Cancel();
            client.Dispose();
            acknowledgements.Join();
        }
        if (Problem is { } problem && !_stopping.IsCancellationRequested)
            throw new IOException(problem);
    }

    private Stream Secure(NetworkStream network)
    {
        if (Target.Pin is not { } pin)
            return network;
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        string? rejected = null;
        try
        {
            tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = Target.Host,
                RemoteCertificateValidationCallback = pin.Callback(problem => rejected = problem),
            }, _stopping.Token).GetAwaiter().GetResult();
        }
        catch (System.Security.Authentication.AuthenticationException error) when (rejected is not null)
        {
            tls.Dispose();
            throw new ReplicationRefusedException($"the server's certificate is not the one expected: {rejected}", error);
        }
        catch
        {
            tls.Dispose();
            throw;
        }
        return tls;
    }

    /// <summary>
    /// Past the handshake, TLS carries nothing more: records and acknowledgements go in
    /// frames sealed with the session's keys, straight on the connection, starting with the
    /// empty frame the target waits for (docs/replication.md, "Sealed frames").
    /// </summary>
    private static SealedStream Seal(NetworkStream network, SessionKeys keys)
    {
        var sealedStream = new SealedStream(network, keys.SourceToTarget, keys.TargetToSource);
        try
        {
            sealedStream.WriteOpening();
            return sealedStream;
        }
        catch
        {
            sealedStream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What to add to a refusal by a target too old for this journal's format. A target of
    /// format 1 says only that its reader is older than the journal needs (its own words,
    /// from the sync point's header); one of format 2 or later says to upgrade it itself.
    /// </summary>
    private string OlderReaderHint(string refusal) =>
        refusal.Contains("journal needs reader version", StringComparison.Ordinal)
            ? $" (this journal is format {_store.Header.Version}, newer than the target's vellum serve reads: upgrade vellum serve)"
            : "";

    /// <summary>Runs the source's half of the handshake; returns the position to send from and the session's keys for sealed frames.</summary>
    private (long Resume, SessionKeys Keys) Handshake(Stream stream)
    {
        var cancellation = _stopping.Token;
        var journalId = _store.Header.JournalId;
        var nonce = HandshakeProof.NewNonce();
        Replication.Handshake.WriteHelloAsync(stream, new Replication.Handshake.Hello(journalId, nonce, FirstRecord()), cancellation).AsTask().GetAwaiter().GetResult();
        Replication.Handshake.Challenge challenge;
        try
        {
            challenge = Replication.Handshake.ReadChallengeAsync(stream, cancellation).AsTask().GetAwaiter().GetResult();
        }
        catch (ReplicationRefusedException closed) when (Target.Pin is null)
        {
            throw new ReplicationRefusedException($"{closed.Message}; a target serving TLS closes plain connections like this: give --tls-fingerprint or --tls-ca instead of --insecure", closed);
        }
        Replication.Handshake.WriteProofAsync(stream, HandshakeProof.Source(_secret, journalId, nonce, challenge.Nonce), cancellation).AsTask().GetAwaiter().GetResult();
        var verdict = Replication.Handshake.ReadVerdictAsync(stream, cancellation).AsTask().GetAwaiter().GetResult();
        if (!verdict.Accepted)
            throw new ReplicationRefusedException($"the target refused journal {journalId}: {verdict.Message}{OlderReaderHint(verdict.Message)}");
        if (!HandshakeProof.Matches(HandshakeProof.Target(_secret, journalId, nonce, challenge.Nonce), verdict.Proof))
            throw new ReplicationRefusedException("the target did not prove it knows the journal's secret");
        if (verdict.Resume > _store.WrittenPosition || verdict.Resume < _store.FirstPosition)
            throw new ReplicationRefusedException($"the target holds journal {journalId} up to store position {verdict.Resume}, but this source holds {_store.FirstPosition} to {_store.WrittenPosition}: their histories differ, nothing is sent");
        Acknowledge(verdict.Durable);
        return (verdict.Resume, SessionKeys.Derive(_secret, journalId, nonce, challenge.Nonce));
    }

    /// <summary>The store's first record, its sync point at position 0, by which the target knows which history it receives.</summary>
    private byte[] FirstRecord()
    {
        using var stream = _store.OpenStream(0);
        var header = new byte[JournalFormat.HeaderSize];
        stream.ReadExactly(header);
        var record = new byte[JournalFormat.AlignedRecordSize((int)RecordHeader.Parse(header).RecordSize)];
        header.CopyTo(record, 0);
        stream.ReadExactly(record.AsSpan(header.Length));
        return record;
    }

    /// <summary>Sends the store's durable bytes from <paramref name="position"/> on, following its end, until cancelled.</summary>
    private void Send(Stream stream, long position, CancellationToken cancellation)
    {
        var buffer = new byte[1 << 20];
        using var source = _store.OpenStream(position, follow: true, durableOnly: true, cancellation);
        while (!cancellation.IsCancellationRequested)
        {
            var read = source.Read(buffer);
            if (read == 0)
                return;
            stream.Write(buffer, 0, read);
        }
    }

    private void ReadAcknowledgements(Stream stream, CancellationTokenSource session)
    {
        var record = new byte[TargetRecord.MaxRecordSize];
        try
        {
            while (!session.IsCancellationRequested)
            {
                if (!TargetRecord.TryRead(stream, record, out var ack, out var said))
                {
                    if (!session.IsCancellationRequested)
                        SetProblem("the target closed the connection");
                    return;
                }
                if (said is not null)
                {
                    // The target's last word: it closes next, and this side ends the session now.
                    SetProblem($"the target ended the session: {said}");
                    return;
                }
                Acknowledge(ack.Durable);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ReplicationRefusedException or ObjectDisposedException or EndOfStreamException)
        {
            if (!session.IsCancellationRequested)
                SetProblem(error.Message);
        }
        finally
        {
            session.Cancel();
        }
    }

    private void SetProblem(string? problem)
    {
        lock (_lock)
            _problem = problem;
    }

    private void Acknowledge(long durable)
    {
        lock (_lock)
        {
            Volatile.Write(ref _acknowledged, durable);
            Monitor.PulseAll(_lock);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
            _thread.Join();
        lock (_lock)
            Monitor.PulseAll(_lock);
        _stopping.Dispose();
    }
}
