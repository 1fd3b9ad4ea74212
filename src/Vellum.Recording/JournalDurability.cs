using System.Globalization;
using Microsoft.Extensions.Logging;
using Vellum.Fifo;
using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// Waits until journal records are durable in the local store: the FIFO's drain appends them
/// and then flushes the store (its group commit) on its own thread. With
/// <see cref="SyncMode.None"/> nothing waits.
/// </summary>
internal sealed class JournalDurability(MemoryFifo fifo, SegmentStore store, SyncMode mode, ILogger logger)
{
    private int _syncsWaiting;

    public SyncMode Mode => mode;

    /// <summary>Applications' fsyncs (and O_SYNC writes) waiting for the journal now: the baseline yields to them.</summary>
    public int SyncsWaiting => Volatile.Read(ref _syncsWaiting);

    /// <summary>The copies <see cref="SyncMode.Remote"/> waits for; none set, it waits for the local store only.</summary>
    public IRemoteCopies? Remote { get; set; }

    /// <summary>
    /// Returns once every record before FIFO position <paramref name="fifoPosition"/> is
    /// durable: <see cref="Errno.Success"/>, or ENOSPC when the journal's disk is full before
    /// those records reached the store.
    /// </summary>
    public Errno WaitFor(ulong fifoPosition)
    {
        if (mode == SyncMode.None)
            return Errno.Success;
        Interlocked.Increment(ref _syncsWaiting);
        fifo.RequestFlush(fifoPosition);
        return FinishWait(fifoPosition);
    }

    /// <summary>
    /// Asks the FIFO's drain to make everything committed so far durable (it appends and
    /// syncs on its own thread) and returns the position to pass to <see cref="FinishWait"/>:
    /// a superset of what any one fsync depends on (its file's data, the entries that reach it,
    /// a directory's entries), so none of the btrfs tree-log cases can miss a dependency. An
    /// fsync's two syncs, the backing file's and the journal's, so run side by side with a
    /// single wake-up between them. Null when nothing waits (<see cref="SyncMode.None"/>).
    /// </summary>
    public ulong? StartWaitForAllCommitted()
    {
        if (mode == SyncMode.None)
            return null;
        Interlocked.Increment(ref _syncsWaiting);
        var position = fifo.WrittenPosition;
        fifo.RequestFlush(position);
        return position;
    }

    /// <summary>
    /// Returns once the flush asked for up to <paramref name="fifoPosition"/> is done (and, with
    /// <see cref="SyncMode.Remote"/>, acknowledged by every target); ENOSPC as for
    /// <see cref="WaitFor"/>, EIO once the journal stopped (its disk failed a write or a sync),
    /// and EIO, logged with the copy and why, when a remote copy did not acknowledge in time.
    /// </summary>
    public Errno FinishWait(ulong fifoPosition)
    {
        try
        {
            fifo.WaitForFlushed(fifoPosition);
        }
        catch (SinkFullException)
        {
            return Errno.ENOSPC;
        }
        catch (FifoFailedException)
        {
            return Errno.EIO;
        }
        finally
        {
            Interlocked.Decrement(ref _syncsWaiting);
        }
        if (mode == SyncMode.Remote && Remote?.WaitDurable(store.WrittenPosition) is { } missing)
        {
            RecordingLog.CopyNotAcknowledged(logger, missing.Copy, missing.StorePosition, missing.Waited.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture), missing.Reason);
            return Errno.EIO;
        }
        return Errno.Success;
    }
}
