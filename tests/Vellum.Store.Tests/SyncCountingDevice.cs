using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>
/// A test device that counts fsyncs: its recorder sees every FSYNC the kernel forwards and
/// notes how far the file held records when it completed. The recorder runs before the reply, so
/// whatever it noted happened before the fdatasync returned to the program.
/// </summary>
internal sealed class SyncCountingDevice() : TestDevice("sync-device")
{
    private readonly Lock _lock = new();
    private long _syncedSize;

    public int FileSyncs { get; private set; }

    /// <summary>The largest length of records (<see cref="SegmentBytes.RecordsLength"/>) seen at the completion of a file fsync or fdatasync.</summary>
    public long SyncedSize
    {
        get
        {
            lock (_lock)
                return _syncedSize;
        }
    }

    public override Errno After(in Change change, in ChangeOutcome outcome)
    {
        if (change.Kind != ChangeKind.Fsync || outcome.Result != Errno.Success)
            return Errno.Success;
        // The length of the records, not of the file: zeros the store wrote ahead of them are no data.
        var size = SegmentBytes.RecordsLength($"/proc/self/fd/{change.HandleFd}");
        lock (_lock)
        {
            FileSyncs++;
            _syncedSize = Math.Max(_syncedSize, size);
        }
        return Errno.Success;
    }
}
