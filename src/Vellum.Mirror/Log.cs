using Microsoft.Extensions.Logging;

namespace Vellum.Mirror;

/// <summary>What mirroring tells its operator (event ids 1500-1599).</summary>
internal static partial class MirrorLog
{
    [LoggerMessage(1500, LogLevel.Debug, "mirroring the store {Store} into {Replica}, which is at transaction {TransactionId}")]
    public static partial void Following(ILogger logger, string store, string replica, ulong transactionId);

    [LoggerMessage(1501, LogLevel.Debug, "the mirror {Replica} stopped following its store at transaction {TransactionId}")]
    public static partial void StoppedFollowing(ILogger logger, string replica, ulong transactionId);

    [LoggerMessage(1502, LogLevel.Warning, "the mirror {Replica} waits: {Reason}")]
    public static partial void WaitingForReplica(ILogger logger, string replica, string reason);

    [LoggerMessage(1503, LogLevel.Information, "the mirror {Replica} applies again: the other writer of the replica ended")]
    public static partial void TookOverReplica(ILogger logger, string replica);
}
