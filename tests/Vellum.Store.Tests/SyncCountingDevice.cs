using Vellum.Passthrough;
using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>
/// A test device that counts fsyncs: its recorder sees every FSYNC the kernel forwards and
/// notes how far the file held records when it completed. The recorder runs before the reply, so
/// whatever it noted happened before the fdatasync returned to the program. It can also hold
/// fsyncs, as a stalled disk would.
/// </summary>
internal sealed class SyncCountingDevice() : TestDevice("sync-device")
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _released = new(true);
    private readonly ManualResetEventSlim _holding = new(false);
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

    /// <summary>From now on every file fsync waits before it reaches the disk, until <see cref="ReleaseSyncs"/>: a stalled disk.</summary>
    public void HoldSyncs()
    {
        _holding.Reset();
        _released.Reset();
    }

    public void ReleaseSyncs() => _released.Set();

    /// <summary>Waits until an fsync is held (see <see cref="HoldSyncs"/>).</summary>
    public bool WaitForHeldSync(TimeSpan timeout) => _holding.Wait(timeout);

    public override Passthrough.Errno Before(in Change change)
    {
        if (change.Kind == ChangeKind.Fsync && !_released.IsSet)
        {
            _holding.Set();
            _released.Wait();
        }
        return Passthrough.Errno.Success;
    }

    public override Passthrough.Errno After(in Change change, in ChangeOutcome outcome)
    {
        if (change.Kind != ChangeKind.Fsync || outcome.Result != Passthrough.Errno.Success)
            return Passthrough.Errno.Success;
        // The length of the records, not of the file: zeros the store wrote ahead of them are no data.
        var size = SegmentBytes.RecordsLength($"/proc/self/fd/{change.HandleFd}");
        lock (_lock)
        {
            FileSyncs++;
            _syncedSize = Math.Max(_syncedSize, size);
        }
        return Passthrough.Errno.Success;
    }

    protected override void Dispose(bool disposing)
    {
        // A test that failed while syncs were held must still unmount.
        if (disposing)
            _released.Set();
        base.Dispose(disposing);
        if (disposing)
        {
            _released.Dispose();
            _holding.Dispose();
        }
    }
}
