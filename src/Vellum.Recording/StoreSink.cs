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
/// a failed sync left behind.
/// </summary>
/// <remarks>
/// Durability comes from the drain's flushes (an fsync asked for one, or the ring needs the
/// space), from anyone else's sync of the store (replication's spool syncer), and from this
/// sink's own syncer thread, which syncs every <see cref="SyncStep"/> appended while the drain
/// goes on appending: a drain that synced the ring's space back itself would stop taking
/// records for every sync, and halved a journaled sequential write's throughput.
/// </remarks>
internal sealed class StoreSink : IJournalSink, IDisposable
{
    /// <summary>Appended bytes not yet durable after which the syncer syncs: a quarter of the default ring.</summary>
    public const long SyncStep = 4L << 20;

    private readonly SegmentStore _store;
    private readonly RingFile _ring;
    private readonly Lock _lock = new();
    private readonly Queue<(ulong FifoEnd, long StoreEnd)> _notDurable = new();
    private readonly SemaphoreSlim _syncWanted = new(0, 1);
    private readonly Thread _syncer;
    private volatile bool _stopping;
    private long _storeEnd;

    public StoreSink(SegmentStore store, RingFile ring)
    {
        _store = store;
        _ring = ring;
        _storeEnd = store.WrittenPosition;
        _syncer = new Thread(SyncAhead) { IsBackground = true, Name = "vellum-store-sync" };
        _syncer.Start();
    }

    /// <summary>The FIFO this sink acknowledges to; set before anything is committed to it.</summary>
    public MemoryFifo? Fifo { get; set; }

    public bool AcknowledgesWhenDurable => true;

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
        lock (_lock)
            _notDurable.Enqueue((endPosition, _storeEnd));
        AcknowledgeDurable();
        if (_storeEnd - _store.DurablePosition >= SyncStep && _syncWanted.CurrentCount == 0)
            ReleaseSyncer();
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

    /// <summary>Stops the syncer; the drain must be stopped.</summary>
    public void Dispose()
    {
        _stopping = true;
        ReleaseSyncer();
        _syncer.Join();
        _syncWanted.Dispose();
    }

    /// <summary>
    /// Acknowledges the runs the store holds durably, after noting the last of them in the ring
    /// file; never past what the FIFO counts as sent (a run is sent once Write returned).
    /// </summary>
    private void AcknowledgeDurable()
    {
        if (Fifo is not { } fifo)
            return;
        lock (_lock)
        {
            var durable = _store.DurablePosition;
            var sent = fifo.SentPosition;
            (ulong FifoEnd, long StoreEnd)? last = null;
            while (_notDurable.TryPeek(out var run) && run.StoreEnd <= durable && run.FifoEnd <= sent)
                last = _notDurable.Dequeue();
            if (last is not { } covered)
                return;
            _ring.RecordDrained(covered.FifoEnd, covered.StoreEnd);
            fifo.Acknowledge(covered.FifoEnd);
        }
    }

    /// <summary>The store went back to its durable position: what it held durably is acknowledged, the rest is sent again.</summary>
    private SinkFullException CutBack(StoreCutBackException cut)
    {
        AcknowledgeDurable();
        lock (_lock)
            _notDurable.Clear();
        _storeEnd = _store.WrittenPosition;
        return new SinkFullException(cut.Message, cut) { LostUnacknowledged = true };
    }

    private void ReleaseSyncer()
    {
        try
        {
            _syncWanted.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already asked.
        }
    }

    /// <summary>
    /// The syncer thread: syncs what was appended when asked, then acknowledges it. A sync that
    /// cut the store back or failed is the drain's to handle: it is asked for a flush, which
    /// meets the same state (a cut, or a failed store) on the drain thread.
    /// </summary>
    private void SyncAhead()
    {
        while (true)
        {
            _syncWanted.Wait();
            if (_stopping)
                return;
            try
            {
                _store.WaitDurable(_store.WrittenPosition);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (StoreIOException)
            {
                Fifo?.RequestFlush(Fifo.SentPosition);
                continue;
            }
            AcknowledgeDurable();
        }
    }
}
