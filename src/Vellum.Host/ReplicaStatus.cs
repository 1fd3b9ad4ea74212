using Vellum.Replication;

namespace Vellum.Host;

/// <summary>A replication target's line of the mount's status, from what its sender knows.</summary>
internal static class ReplicaStatus
{
    /// <param name="sourcePosition">The source store's written position, against which the target is behind.</param>
    public static ReplicaStatusReply Of(ReplicationSender sender, long sourcePosition, DateTimeOffset now)
    {
        var state = sender.State;
        return new ReplicaStatusReply(
            sender.Target.ToString(),
            sender.Connected,
            sender.AcknowledgedDurable,
            sender.Sessions,
            sender.Problem,
            StateName(state.Condition),
            state.Since,
            state.LastError,
            state.NextAttempt is { } next && state.Condition != TargetCondition.Connected ? Math.Max(0, (next - now).TotalSeconds) : null,
            state.Attempts,
            state.Protocol,
            state.Received,
            state.NetworkBehind(sourcePosition),
            state.Report switch
            {
                null => "unknown",
                { Mirror: TargetMirrorState.None } => "none",
                { Mirror: TargetMirrorState.Stopped } => "stopped",
                _ => "following",
            },
            state.Report?.MirrorProblem,
            state.TargetTransactionId,
            state.MirrorApplied,
            state.MirrorBehind,
            state.Report?.DiskFull,
            state.DescribeLines(sourcePosition, now));
    }

    private static string StateName(TargetCondition condition) => condition switch
    {
        TargetCondition.Connecting => "connecting",
        TargetCondition.Connected => "connected",
        TargetCondition.Unreachable => "unreachable",
        TargetCondition.AuthenticationFailed => "authentication_failed",
        TargetCondition.Refused => "refused",
        TargetCondition.DiskFull => "disk_full",
        TargetCondition.Stopped => "stopped",
        _ => condition.ToString().ToLowerInvariant(),
    };
}
