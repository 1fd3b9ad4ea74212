using Vellum.Fifo;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// Waits until journal records are durable in the local store: first until the drain has
/// appended them, then for the store's group commit to cover them. With
/// <see cref="SyncMode.None"/> nothing waits.
/// </summary>
internal sealed class JournalDurability(MemoryFifo fifo, SegmentStore store, SyncMode mode)
{
    public SyncMode Mode => mode;

    /// <summary>The copies <see cref="SyncMode.Remote"/> waits for; none set, it waits for the local store only.</summary>
    public IRemoteCopies? Remote { get; set; }

    /// <summary>Returns once every record before FIFO position <paramref name="fifoPosition"/> is durable.</summary>
    public void WaitFor(ulong fifoPosition)
    {
        if (mode == SyncMode.None)
            return;
        fifo.WaitForSent(fifoPosition);
        var storePosition = store.WrittenPosition;
        store.WaitDurable(storePosition);
        if (mode == SyncMode.Remote)
            Remote?.WaitDurable(storePosition);
    }

    /// <summary>
    /// Starts waiting, on a pool thread, until everything committed so far is durable: a
    /// superset of what any one fsync depends on (its file's data, the entries that reach it,
    /// a directory's entries), so none of the btrfs tree-log cases can miss a dependency. An
    /// fsync's two syncs, the backing file's and the journal's, so run side by side. Null
    /// when nothing waits (<see cref="SyncMode.None"/>).
    /// </summary>
    public Task? StartWaitForAllCommitted()
    {
        if (mode == SyncMode.None)
            return null;
        var position = fifo.WrittenPosition;
        return Task.Run(() => WaitFor(position));
    }
}
