using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// Moves into the store what a killed mount left in its ring file: the records after the
/// ones the store already has. The ring file says which FIFO position the store had
/// reached and the store's position then; the transaction records the store holds after
/// that position are the ring's next records (the drain appends in ring order, and a kill
/// leaves page-cache writes whole), so exactly that many are skipped. Nothing is appended
/// twice and nothing committed to the ring is lost.
/// </summary>
internal static class RingRecovery
{
    public static RingRecoveryReport Run(SegmentStore store, string ringPath)
    {
        var leftover = RecoveredRing.TryRead(ringPath, store.Header.JournalId, out var reason);
        if (leftover is null)
            return new RingRecoveryReport(0, 0, reason);
        if (store.WrittenPosition < leftover.DrainedSinkPosition)
            return new RingRecoveryReport(0, 0, $"the ring file says the store held {leftover.DrainedSinkPosition} bytes, it holds {store.WrittenPosition}: the store lost its tail (not a process kill); nothing replayed");
        var alreadyStored = 0;
        foreach (var record in StoreRecords.From(store, leftover.DrainedSinkPosition))
        {
            if (StreamId.IsTransaction(record.Header.Id))
                alreadyStored++;
        }
        var appended = 0;
        var incomplete = 0;
        foreach (var record in leftover.Records(leftover.DrainedFifoPosition))
        {
            if (alreadyStored > 0)
            {
                alreadyStored--;
                continue;
            }
            if (!record.IsComplete)
            {
                incomplete++;
                continue;
            }
            store.Append(record.Sealed);
            appended++;
        }
        if (appended > 0)
            store.WaitDurable(store.WrittenPosition);
        return new RingRecoveryReport(appended, incomplete, "");
    }
}

/// <summary>
/// Records moved from the ring file into the store, reservations found never completed
/// (changes whose operation was still being written: they never ran), and why no ring file
/// was usable when none was.
/// </summary>
public readonly record struct RingRecoveryReport(int Appended, int Incomplete, string Unusable);
