using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vellum.Journal.Scanning;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// The source side for one target: the local store is the spool, read from the position the
/// target says it holds, only as far as it is durable here (so a source that crashes never
/// finds the target holding bytes it lost). It reconnects with backoff after any failure;
/// the application never waits for it unless it asks (<see cref="WaitAcknowledged"/>). Its
/// loop is a task: connecting, the handshake, sending and reading acknowledgements all await,
/// and no thread is held while the store or the network has nothing for it.
/// </summary>
public sealed class ReplicationSender : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);

    /// <summary>How long a sender waits after each authentication failure in a row: nothing but a person changes it, so the target is asked less and less often.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultAuthenticationBackoff =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];

    /// <summary>Bytes of store read and sent at once.</summary>
    private const int SendSize = 1 << 20;

    private readonly SegmentStore _store;
    private readonly byte[] _secret;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lock = new();
    private readonly TargetStateTracker _tracker;
    private Task _running = Task.CompletedTask;
    private long _acknowledged = -1;
    private long _sessions;
    private string? _problem;
    private volatile bool _connected;

    /// <param name="logger">Where sessions and their ends are logged; <see cref="NullLogger.Instance"/> when null.</param>
    public ReplicationSender(SegmentStore store, ReplicationTarget target, byte[] secret, ILogger? logger = null)
    {
        _store = store;
        Target = target;
        _secret = secret;
        _logger = logger ?? NullLogger.Instance;
        _tracker = new TargetStateTracker(target, store.Header.JournalId, _logger, TimeProvider.System);
    }

    /// <summary>The waits after authentication failures in a row (the last one repeats): <see cref="DefaultAuthenticationBackoff"/> unless set.</summary>
    public IReadOnlyList<TimeSpan> AuthenticationBackoff { get; init; } = DefaultAuthenticationBackoff;

    /// <summary>What this source knows of its target now: its condition, since when, why, and the target's own state.</summary>
    public ReplicationTargetState State => _tracker.State;

    public ReplicationTarget Target { get; }

    /// <summary>The store position the target last acknowledged durable; -1 before its first acknowledgement.</summary>
    public long AcknowledgedDurable => Volatile.Read(ref _acknowledged);

    /// <summary>Sessions the target accepted since starting.</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    public bool Connected => _connected;

    /// <summary>Why the last session ended or could not start (the first reason its connection broke for), or null.</summary>
    public string? Problem
    {
        get
        {
            lock (_lock)
                return _problem;
        }
    }

    public void Start() => _running = Task.Run(RunAsync);

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

    private async Task RunAsync()
    {
        var backoff = FirstBackoff;
        var authenticationFailures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            var accepted = Sessions;
            var durable = AcknowledgedDurable;
            _tracker.Attempting();
            var reason = await RunSessionAsync().ConfigureAwait(false);
            _connected = false;
            if (_stopping.IsCancellationRequested)
                return;
            if (!ConnectionBreak.Ends(reason))
            {
                // Not the connection's failure but a fault of this side: retrying would repeat it.
                SetProblem(reason.Message);
                _tracker.Stopped(reason.Message);
                ReplicationLog.SenderStopped(_logger, Target, reason.Message, reason);
                return;
            }
            // A session that moved the target's durable position on, however it ended,
            // restarts the backoff (docs/replication.md, Restart); one that did not (a
            // target whose disk is full takes the handshake, then fails every append) lets
            // it grow, so such a target is not asked ten times a second.
            if (Sessions != accepted && AcknowledgedDurable > durable)
                backoff = FirstBackoff;
            var problem = Describe(reason);
            SetProblem(problem);
            var condition = Classify(reason);
            TimeSpan wait;
            if (condition == TargetCondition.AuthenticationFailed)
            {
                wait = AuthenticationBackoff[Math.Min(authenticationFailures++, AuthenticationBackoff.Count - 1)];
            }
            else
            {
                authenticationFailures = 0;
                wait = backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastBackoff.Ticks));
            }
            _tracker.Failed(condition, problem, wait);
            try
            {
                await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>What the reason a session ended for says of the target.</summary>
    private TargetCondition Classify(Exception reason) => reason switch
    {
        ReplicationRefusedException { Condition: { } said } => said,
        TargetClosingNoteException note when note.SaysDiskFull => TargetCondition.DiskFull,
        _ when _tracker.State.Report is { DiskFull: true } => TargetCondition.DiskFull,
        TargetClosingNoteException => TargetCondition.Refused,
        _ => TargetCondition.Unreachable,
    };

    private static string Describe(Exception reason) => reason switch
    {
        AuthenticationException => $"TLS handshake failed: {reason.Message}{(reason.InnerException is { } inner ? ": " + inner.Message : "")}",
        OperationCanceledException => $"no complete handshake from the target within {WireFormat.HandshakeTimeout.TotalSeconds:0} s",
        _ => reason.Message,
    };

    /// <summary>
    /// One connection: handshake, then records out and acknowledgements in until it breaks.
    /// Returns the first reason it broke for; what fails after that is its consequence.
    /// </summary>
    private async Task<Exception> RunSessionAsync()
    {
        using var client = new TcpClient { NoDelay = true };
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var connection = new ConnectionBreak(cancellation, client.Dispose);
        try
        {
            await client.ConnectAsync(Target.Host, Target.Port, connection.Token).ConfigureAwait(false);
            cancellation.CancelAfter(WireFormat.HandshakeTimeout);
            await using var handshake = await SourceConnection.SecureAsync(client.GetStream(), Target, connection.Token).ConfigureAwait(false);
            var (resume, keys, version, targetDurable) = await HandshakeAsync(handshake, connection.Token).ConfigureAwait(false);
            await using var stream = handshake is SslStream ? await SourceConnection.SealAsync(client.GetStream(), keys, connection.Token).ConfigureAwait(false) : handshake;
            cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
            Interlocked.Increment(ref _sessions);
            _connected = true;
            SetProblem(null);
            _tracker.Accepted(version, resume, targetDurable);
            await Task.WhenAll(SendAsync(stream, resume, connection), ReadAcknowledgementsAsync(stream, connection)).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            connection.Break(error);
        }
        return connection.Reason ?? new IOException("the session ended");
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

    /// <summary>
    /// Runs the source's half of the handshake; returns the position to send from, the
    /// session's keys for sealed frames, the protocol version it speaks and the target's
    /// durable position.
    /// </summary>
    private async Task<(long Resume, SessionKeys Keys, ushort Version, long Durable)> HandshakeAsync(Stream stream, CancellationToken cancellation)
    {
        var journalId = _store.Header.JournalId;
        var nonce = HandshakeProof.NewNonce();
        await Replication.Handshake.WriteHelloAsync(stream, new Replication.Handshake.Hello(journalId, nonce, FirstRecord()), cancellation).ConfigureAwait(false);
        Replication.Handshake.Challenge challenge;
        try
        {
            challenge = await Replication.Handshake.ReadChallengeAsync(stream, cancellation).ConfigureAwait(false);
        }
        catch (ReplicationRefusedException closed) when (Target.Pin is null)
        {
            throw new ReplicationRefusedException($"{closed.Message}; a target serving TLS closes plain connections like this: give --tls-fingerprint or --tls-ca instead of --insecure", closed);
        }
        await Replication.Handshake.WriteProofAsync(stream, HandshakeProof.Source(_secret, journalId, nonce, challenge.Nonce), cancellation).ConfigureAwait(false);
        var verdict = await Replication.Handshake.ReadVerdictAsync(stream, cancellation).ConfigureAwait(false);
        if (!verdict.Accepted)
        {
            throw new ReplicationRefusedException($"the target refused journal {journalId}: {verdict.Message}{OlderReaderHint(verdict.Message)}")
            {
                // The target's words for a wrong secret and for none at all (docs/replication.md, "Handshake").
                Condition = verdict.Message == "authentication failed" ? TargetCondition.AuthenticationFailed : TargetCondition.Refused,
            };
        }
        if (!HandshakeProof.Matches(HandshakeProof.Target(_secret, journalId, nonce, challenge.Nonce), verdict.Proof))
            throw new ReplicationRefusedException("the target did not prove it knows the journal's secret") { Condition = TargetCondition.AuthenticationFailed };
        if (verdict.Resume > _store.WrittenPosition || verdict.Resume < _store.FirstPosition)
        {
            throw new ReplicationRefusedException($"the target holds journal {journalId} up to store position {verdict.Resume}, but this source holds {_store.FirstPosition} to {_store.WrittenPosition}: their histories differ, nothing is sent")
            {
                Condition = TargetCondition.Refused,
            };
        }
        Acknowledge(verdict.Durable);
        return (verdict.Resume, SessionKeys.Derive(_secret, journalId, nonce, challenge.Nonce), challenge.Version, verdict.Durable);
    }

    /// <summary>The store's first record, its sync point at position 0, by which the target knows which history it receives.</summary>
    private byte[] FirstRecord()
    {
        using var stream = _store.OpenStream(0);
        using var records = new RecordReader(stream);
        if (records.Read(out var syncPoint, out var damage) != RecordStatus.Record)
            throw new StoreDamagedException($"store {_store.Directory}: its first record, the sync point the target is offered, does not hold: {damage?.Message ?? "the store is empty"}");
        return syncPoint.Bytes.ToArray();
    }

    /// <summary>Sends the store's durable bytes from <paramref name="position"/> on, following its end, until the connection breaks.</summary>
    private async Task SendAsync(Stream stream, long position, ConnectionBreak connection)
    {
        var buffer = new byte[SendSize];
        try
        {
            await using var source = _store.OpenStream(position, follow: true, durableOnly: true, connection.Token);
            while (true)
            {
                var read = await source.ReadAsync(buffer, connection.Token).ConfigureAwait(false);
                if (read == 0)
                    break;
                await stream.WriteAsync(buffer.AsMemory(0, read), connection.Token).ConfigureAwait(false);
            }
            // Cancelled (the connection broke, or this side stops) or the store closed.
            connection.Break(new IOException("the local store was closed"));
        }
        catch (Exception error)
        {
            connection.Break(error);
        }
    }

    /// <summary>
    /// Takes the target's acknowledgements until the connection breaks; the target's closing
    /// note, its closing, or its silence past <see cref="WireFormat.SilenceLimit"/> (it
    /// acknowledges every <see cref="WireFormat.AckInterval"/>) breaks it.
    /// </summary>
    private async Task ReadAcknowledgementsAsync(Stream stream, ConnectionBreak connection)
    {
        var record = new byte[TargetRecord.MaxRecordSize];
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        try
        {
            while (true)
            {
                silence.CancelAfter(WireFormat.SilenceLimit);
                if (await TargetRecord.ReadAsync(stream, record, silence.Token).ConfigureAwait(false) is not { } message)
                {
                    connection.Break(new IOException("the target closed the connection"));
                    return;
                }
                if (message.Note is { } said)
                {
                    // The target's last word: it closes next, and this side ends the session now.
                    connection.Break(new TargetClosingNoteException(said));
                    return;
                }
                _tracker.Acknowledged(message.Ack);
                Acknowledge(message.Ack.Durable);
            }
        }
        catch (OperationCanceledException) when (!connection.Token.IsCancellationRequested)
        {
            connection.Break(new IOException($"the target sent nothing for {WireFormat.SilenceLimit.TotalSeconds:0} s; the connection is taken for dead"));
        }
        catch (Exception error)
        {
            connection.Break(error);
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

    /// <summary>Stops the sender and waits for its loop to end; the connection is closed on the way.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        // The loop ends on its own once cancelled and never faults (it catches what it meets), so waiting cannot deadlock or throw.
        _running.Wait();
        Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        Release();
    }

    private void Release()
    {
        lock (_lock)
            Monitor.PulseAll(_lock);
        _stopping.Dispose();
    }
}
