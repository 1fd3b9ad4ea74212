using Vellum.Fifo;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// The FIFO drain's destination: appends each run of records to the segment store, and
/// acknowledges a run to the FIFO only once the store has made it durable, noting first in
/// the ring file the pair (FIFO position, store position) durable so far. So the ring holds
/// every record the store might still lose: a sync that fails for lack of space cuts the
/// store back to its durable position (<see cref="StoreCutBackException"/>), and the drain
/// sends those records again from the ring once there is room, never trusting a page cache
/// a failed sync left behind. Durability comes from the drain's flushes (an fsync asked for
/// one, or the ring needs the space) and from anyone else's sync of the store (replication's
/// spool syncer), noticed at the next write or flush.
/// </summary>
internal sealed class StoreSink : IJournalSink
{
    private readonly SegmentStore _store;
    private readonly RingFile _ring;
    private readonly Queue<(ulong FifoEnd, long StoreEnd)> _notDurable = new();
    private long _storeEnd;

    public StoreSink(SegmentStore store, RingFile ring)
    {
        _store = store;
        _ring = ring;
        _storeEnd = store.WrittenPosition;
    }

    /// <summary>The FIFO this sink acknowledges to; set before anything is committed to it.</summary>
    public MemoryFifo? Fifo { get; set; }

    public bool AcknowledgesExplicitly => true;

    /// <summary>
    /// A full disk is no failure of the journal: the store kept none of the run, so it stays
    /// in the ring and the drain offers it again once there is room.
    /// </summary>
    public void Write(ReadOnlySpan<byte> records, ulong endPosition)
    {
        try
        {
            _storeEnd = _store.Append(records, _storeEnd);
        }
        catch (StoreCutBackException cut)
        {
            throw CutBack(cut);
        }
        catch (StoreFullException full)
        {
            throw new SinkFullException(full.Message, full);
        }
        // The runs before this one only: the FIFO counts this one as sent once Write returns,
        // and nothing beyond the sent position can be acknowledged.
        AcknowledgeDurable();
        _notDurable.Enqueue((endPosition, _storeEnd));
    }

    public void Flush()
    {
        try
        {
            _store.WaitDurable(_storeEnd);
        }
        catch (StoreCutBackException cut)
        {
            throw CutBack(cut);
        }
        AcknowledgeDurable();
    }

    /// <summary>Acknowledges the runs the store holds durably, after noting the last of them in the ring file.</summary>
    private void AcknowledgeDurable()
    {
        var durable = _store.DurablePosition;
        (ulong FifoEnd, long StoreEnd)? last = null;
        while (_notDurable.TryPeek(out var run) && run.StoreEnd <= durable)
            last = _notDurable.Dequeue();
        if (last is not { } covered)
            return;
        _ring.RecordDrained(covered.FifoEnd, covered.StoreEnd);
        Fifo?.Acknowledge(covered.FifoEnd);
    }

    /// <summary>The store went back to its durable position: what it held durably is acknowledged, the rest is sent again.</summary>
    private SinkFullException CutBack(StoreCutBackException cut)
    {
        AcknowledgeDurable();
        _notDurable.Clear();
        _storeEnd = _store.WrittenPosition;
        return new SinkFullException(cut.Message, cut) { LostUnacknowledged = true };
    }
}
