using Vellum.Passthrough;
using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>
/// A test device that counts fsyncs: its recorder sees every FSYNC the kernel forwards and
/// notes the size of the file when it completed. The recorder runs before the reply, so
/// whatever it noted happened before the fdatasync returned to the program.
/// </summary>
internal sealed class SyncCountingDevice() : TestDevice("sync-device")
{
    private readonly Lock _lock = new();
    private long _syncedSize;

    public int FileSyncs { get; private set; }

    /// <summary>The largest file size seen at the completion of a file fsync or fdatasync.</summary>
    public long SyncedSize
    {
        get
        {
            lock (_lock)
                return _syncedSize;
        }
    }

    public override void After(in Change change, in ChangeOutcome outcome)
    {
        if (change.Kind != ChangeKind.Fsync || outcome.Result != Passthrough.Errno.Success)
            return;
        // The /proc link itself has the length of its target's name; its target has the file's size.
        var size = ((FileInfo)new FileInfo($"/proc/self/fd/{change.HandleFd}").ResolveLinkTarget(returnFinalTarget: true)!).Length;
        lock (_lock)
        {
            FileSyncs++;
            _syncedSize = Math.Max(_syncedSize, size);
        }
    }
}
