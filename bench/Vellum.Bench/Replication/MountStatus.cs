using Vellum.Host;

namespace Vellum.Bench.Replication;

/// <summary>
/// A journaled mount's status as `vellum status --json` reads it, straight from the mount's
/// status socket (no process per question): its written position and what its first
/// replication target acknowledged durable.
/// </summary>
internal static class MountStatus
{
    public static (long Written, long Acknowledged) Positions(string mountPoint)
    {
        var status = (MountStatusClient.Ask(mountPoint) ?? throw new InvalidOperationException($"no journaled mount answers at {mountPoint}")).Status;
        return (status.WrittenPosition, status.Replicas.Count == 0 ? -1 : status.Replicas[0].AcknowledgedDurable);
    }
}
