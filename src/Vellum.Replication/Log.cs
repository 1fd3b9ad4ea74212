using Microsoft.Extensions.Logging;

namespace Vellum.Replication;

/// <summary>What the replication layer logs, each with its event id (1600-1699): the source's sessions, the target's connections.</summary>
internal static partial class ReplicationLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "replicating journal {JournalId} to {Target} from store position {Position}")]
    public static partial void Replicating(ILogger logger, Guid journalId, ReplicationTarget target, long position);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "replication to {Target}: {Problem}; retrying in {Backoff} s{WayOut}")]
    private static partial void RetryingIn(ILogger logger, ReplicationTarget target, string problem, string backoff, string wayOut);

    /// <summary>The target went bad (or bad otherwise) for <paramref name="problem"/>; the next session starts after <paramref name="backoff"/>.</summary>
    public static void Retrying(ILogger logger, ReplicationTarget target, string problem, TimeSpan backoff, string wayOut) =>
        RetryingIn(logger, target, problem, Seconds(backoff), wayOut);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Debug, Message = "replication to {Target}: {Problem}; retrying in {Backoff} s")]
    private static partial void RetryingAgainIn(ILogger logger, ReplicationTarget target, string problem, string backoff);

    /// <summary>Another attempt failed as the one before did: a debug line, the warning was given once.</summary>
    public static void RetryingAgain(ILogger logger, ReplicationTarget target, string problem, TimeSpan backoff) =>
        RetryingAgainIn(logger, target, problem, Seconds(backoff));

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Debug, Message = "replicating journal {JournalId} to {Target} from store position {Position}, whose disk was full")]
    public static partial void ReplicatingAgain(ILogger logger, Guid journalId, ReplicationTarget target, long position);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Information,
        Message = "replication to {Target}: the target speaks replication protocol version {Version}, which does not report its state (its mirror, its disk): vellum status shows it as unknown; upgrade vellum serve there to see it")]
    public static partial void OlderTarget(ILogger logger, ReplicationTarget target, ushort version);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Information, Message = "replication to {Target}: connected again, after {Seconds} s {Condition} ({LastError})")]
    public static partial void Recovered(ILogger logger, ReplicationTarget target, string condition, string seconds, string lastError);

    [LoggerMessage(EventId = 1607, Level = LogLevel.Warning,
        Message = "replication to {Target}: the target's mirror of journal {JournalId} stopped after transaction {Applied}: {Reason}; the target still receives the journal")]
    public static partial void TargetMirrorStopped(ILogger logger, ReplicationTarget target, Guid journalId, string reason, ulong applied);

    [LoggerMessage(EventId = 1608, Level = LogLevel.Information, Message = "replication to {Target}: the target's mirror of journal {JournalId} runs again")]
    public static partial void TargetMirrorRunning(ILogger logger, ReplicationTarget target, Guid journalId);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Error, Message = "replication to {Target} stopped: {Problem}")]
    public static partial void SenderStopped(ILogger logger, ReplicationTarget target, string problem, Exception error);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Information, Message = "{Peer}: journal {JournalId}: receiving from store position {Position}")]
    public static partial void Receiving(ILogger logger, string peer, Guid journalId, long position);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Information, Message = "{Peer}: journal {JournalId}: the source closed the connection at store position {Position}")]
    public static partial void SourceClosed(ILogger logger, string peer, Guid journalId, long position);

    [LoggerMessage(EventId = 1612, Level = LogLevel.Information, Message = "{Peer}: journal {JournalId}: this session takes over from the one before, which ended without a word reaching this side")]
    public static partial void TakingOver(ILogger logger, string peer, Guid journalId);

    [LoggerMessage(EventId = 1613, Level = LogLevel.Information, Message = "{Peer}: a newer session for its journal took over; disconnected")]
    public static partial void TakenOver(ILogger logger, string peer);

    [LoggerMessage(EventId = 1614, Level = LogLevel.Warning, Message = "{Peer}: {Reason}; disconnected")]
    public static partial void Disconnected(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 1615, Level = LogLevel.Warning, Message = "{Peer}: {Reason}; disconnected, nothing stored")]
    public static partial void Refused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 1616, Level = LogLevel.Warning, Message = "{Peer}: no complete handshake within {Seconds} s; disconnected, nothing stored")]
    public static partial void HandshakeTimedOut(ILogger logger, string peer, int seconds);

    [LoggerMessage(EventId = 1617, Level = LogLevel.Warning, Message = "{Peer}: closed the connection without a hello; disconnected, nothing stored")]
    public static partial void NoHello(ILogger logger, string peer);

    [LoggerMessage(EventId = 1618, Level = LogLevel.Warning,
        Message = "{Peer}: closed the connection after the TLS handshake without a hello, as a source that does not trust this server's certificate ({Fingerprint}) does; disconnected, nothing stored")]
    public static partial void NoHelloAfterTls(ILogger logger, string peer, string fingerprint);

    [LoggerMessage(EventId = 1619, Level = LogLevel.Information,
        Message = "{Peer}: journal {JournalId}: the source speaks replication protocol version {Version}: it is not told this target's state (its mirror, its disk)")]
    public static partial void OlderSource(ILogger logger, string peer, Guid journalId, ushort version);

    [LoggerMessage(EventId = 1620, Level = LogLevel.Warning, Message = "accepting a connection failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1640, Level = LogLevel.Information, Message = "{Peer}: journal {JournalId}: serving ranges of this copy (a fetch session, for a repair)")]
    public static partial void ServingFetch(ILogger logger, string peer, Guid journalId);
}
