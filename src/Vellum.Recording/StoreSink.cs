using Vellum.Fifo;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// The FIFO drain's destination: appends each run of records to the segment store, then
/// notes in the ring file how far the store has them. Appended bytes are in the page cache,
/// so they survive the process like the ring does; a returned write counts as acknowledged
/// and durability is waited for separately, only by those who need it: an fsync asks the
/// drain for a flush, which joins the store's group commit on the drain thread.
/// </summary>
internal sealed class StoreSink(SegmentStore store, RingFile ring) : IJournalSink
{
    public bool AcknowledgesExplicitly => false;

    /// <summary>
    /// A full disk is no failure of the journal: the store kept none of the run, so it stays
    /// in the ring and the drain offers it again once there is room.
    /// </summary>
    public void Write(ReadOnlySpan<byte> records, ulong endPosition)
    {
        long storePosition;
        try
        {
            storePosition = store.Append(records);
        }
        catch (StoreFullException full)
        {
            throw new SinkFullException(full.Message, full);
        }
        ring.RecordDrained(endPosition, storePosition);
    }

    public void Flush() => store.WaitDurable(store.WrittenPosition);
}
