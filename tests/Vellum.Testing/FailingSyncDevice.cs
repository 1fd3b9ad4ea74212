using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Testing;

/// <summary>
/// A journal disk whose syncs of segment files can fail with a chosen errno, as a disk that
/// filled up at writeback (ENOSPC) or a failing one (EIO) makes fdatasync fail. A failed sync
/// also loses what it was to write, as the kernel may: the file's records written since its
/// last good sync turn to zeros. So a store that trusted its page cache after a failed sync
/// would hold damage, not records.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FailingSyncDevice() : TestDevice("failing-sync-device")
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _syncedRecords = [];
    private Errno _failWith = Errno.Success;

    /// <summary>Syncs that failed since the device was made.</summary>
    public int FailedSyncs { get; private set; }

    public void FailSyncs(Errno errno)
    {
        lock (_lock)
            _failWith = errno;
    }

    public void StopFailing() => FailSyncs(Errno.Success);

    public override Errno Before(in Change change)
    {
        if (change.Kind != ChangeKind.Fsync || SegmentPath(change.HandleFd) is not { } path)
            return Errno.Success;
        lock (_lock)
        {
            if (_failWith == Errno.Success)
                return Errno.Success;
            FailedSyncs++;
            LoseUnsynced(path, _syncedRecords.GetValueOrDefault(path));
            return _failWith;
        }
    }

    public override Errno After(in Change change, in ChangeOutcome outcome)
    {
        if (change.Kind != ChangeKind.Fsync || outcome.Result != Errno.Success || SegmentPath(change.HandleFd) is not { } path)
            return Errno.Success;
        lock (_lock)
            _syncedRecords[path] = SegmentBytes.RecordsLength(path);
        return Errno.Success;
    }

    /// <summary>The backing path of a segment file's descriptor; null for any other file.</summary>
    private static string? SegmentPath(int fd)
    {
        if (fd < 0)
            return null;
        var path = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        return path is not null && path.EndsWith(".vseg", StringComparison.Ordinal) ? path : null;
    }

    private static void LoseUnsynced(string path, long synced)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        if (file.Length <= synced)
            return;
        file.Position = synced;
        file.Write(new byte[file.Length - synced]);
    }
}
