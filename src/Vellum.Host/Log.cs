using Microsoft.Extensions.Logging;

namespace Vellum.Host;

/// <summary>What the host tells its operator about mounts and serve nodes (event ids 1700-1799).</summary>
internal static partial class HostLog
{
    [LoggerMessage(1701, LogLevel.Information, "unmounting {MountPoint}: waiting for {WaitingFor}; {NextStep}")]
    public static partial void WaitingForRelease(ILogger logger, string mountPoint, string waitingFor, string nextStep);

    [LoggerMessage(1702, LogLevel.Information, "unmounting {MountPoint}: waiting for {WaitingFor}")]
    public static partial void WaitingForReleaseOnly(ILogger logger, string mountPoint, string waitingFor);

    [LoggerMessage(1703, LogLevel.Information, "stopping without waiting for {MountPoint} to be released")]
    public static partial void StoppingWithoutWaiting(ILogger logger, string mountPoint);

    [LoggerMessage(1704, LogLevel.Warning, "{MountPoint} was detached by a lazy unmount from outside (umount -l, fusermount3 -uz)")]
    public static partial void DetachedFromOutside(ILogger logger, string mountPoint);

    [LoggerMessage(1705, LogLevel.Error, "the journal {Directory} did not finish within {Seconds} s (its disk does not answer): every change made through the mount is in its write-ahead ring file, which the next mount with this journal stores")]
    public static partial void JournalUnfinished(ILogger logger, string directory, int seconds);

    [LoggerMessage(1706, LogLevel.Information, "created a self-signed certificate in {Directory}")]
    public static partial void CertificateCreated(ILogger logger, string directory);

    [LoggerMessage(1707, LogLevel.Information, "listening on {Endpoint} ({Transport}); journals in {Store}{Mirrors}")]
    public static partial void Listening(ILogger logger, string endpoint, string transport, string store, string mirrors);

    [LoggerMessage(1708, LogLevel.Information, "stopped")]
    public static partial void ServeStopped(ILogger logger);

    [LoggerMessage(1709, LogLevel.Warning, "journal {JournalId}: the mirror {Replica} stopped: {Reason}; the journal is still received")]
    public static partial void MirrorStopped(ILogger logger, Guid journalId, string replica, string reason);

    [LoggerMessage(1740, LogLevel.Error, "the journal {Directory} is DAMAGED: {Damage}; mirrors and replication stop before it until it is repaired from a copy: {Repair}")]
    public static partial void DamageFound(ILogger logger, string directory, string damage, string repair);

    [LoggerMessage(1741, LogLevel.Information, "{Segment} verifies whole again (repaired)")]
    public static partial void DamageRepaired(ILogger logger, string segment);

    [LoggerMessage(1742, LogLevel.Warning, "{Segment} healed from the copy at {Target}: it verifies whole again")]
    public static partial void DamageHealed(ILogger logger, string segment, string target);

    [LoggerMessage(1743, LogLevel.Warning, "{Segment} could not be healed from {Target}: {Reason}; tried again at the scrub's next check")]
    public static partial void DamageNotHealed(ILogger logger, string segment, string target, string reason);

    [LoggerMessage(1750, LogLevel.Debug, "status of {MountPoint} asked by pid {Pid} (uid {Uid}, gid {Gid})")]
    public static partial void StatusAsked(ILogger logger, string mountPoint, int pid, uint uid, uint gid);

    [LoggerMessage(1751, LogLevel.Warning, "status of {MountPoint}: {Refusal}")]
    public static partial void StatusRefused(ILogger logger, string mountPoint, string refusal);

    [LoggerMessage(1752, LogLevel.Warning, "status of {MountPoint}: a caller whose credentials cannot be read is not answered: {Reason}")]
    public static partial void StatusCallerUnknown(ILogger logger, string mountPoint, string reason);

    [LoggerMessage(1753, LogLevel.Warning, "status of {MountPoint}: accepting a caller failed: {Reason}; the status socket goes on serving")]
    public static partial void StatusAcceptFailed(ILogger logger, string mountPoint, string reason);

    [LoggerMessage(1754, LogLevel.Error, "status of {MountPoint}: the reply could not be made, the caller gets none: {Reason}")]
    public static partial void StatusReplyFailed(ILogger logger, string mountPoint, string reason);

    [LoggerMessage(1790, LogLevel.Warning, "{Warning}")]
    public static partial void SharedStore(ILogger logger, string warning);
}
