using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Mirror;

/// <summary>
/// Reads a store's ended transactions in id order (<see cref="TransactionOrder"/>): a
/// transaction that ended while a lower id was still open waits for it. Reading stops at the
/// first damage and at a transaction still open at the store's end, so what it hands out is
/// always a prefix of the id order: what the mirror applies, and what a restore replays.
/// </summary>
internal sealed class OrderedReading(SegmentStore store, ulong applied)
{
    /// <summary>Reads from the store's first transaction.</summary>
    public OrderedReading(SegmentStore store)
        : this(store, store.Header.FirstTransactionId == 0 ? 0 : store.Header.FirstTransactionId - 1)
    {
    }

    /// <summary>The damage the store or the reading met (set once the reading ends); null when there is none.</summary>
    public StoreDamagedException? Damage { get; private set; }

    /// <summary>Committed transactions read but held back behind a lower id that had not ended (set once the reading ends).</summary>
    public int HeldBack { get; private set; }

    /// <summary>
    /// Each ended transaction after the starting id up to <paramref name="through"/>, in id
    /// order: its id, and the entry (null for an aborted one). Cancelled, it just stops.
    /// </summary>
    public IEnumerable<(ulong Id, TransactionEntry? Committed)> Read(ulong through, CancellationToken cancellation = default)
    {
        var order = new TransactionOrder(applied);
        var committed = 0;
        var handed = 0;
        using var cursor = store.OpenCursor(order.Applied + 1, follow: false, cancellation);
        while (!cancellation.IsCancellationRequested && order.Applied < through && cursor.TryRead(out var entry))
        {
            switch (entry)
            {
                case TransactionEntry transaction:
                    order.Ended(transaction.TransactionId, transaction);
                    committed++;
                    break;
                case AbortedTransactionEntry aborted:
                    order.Ended(aborted.TransactionId, null);
                    break;
                case CheckpointRecordEntry checkpoint:
                    order.Settle(checkpoint.Checkpoint.Open.Count == 0 ? checkpoint.LastBegun + 1 : checkpoint.Checkpoint.Open.Min(open => open.TransactionId));
                    break;
            }
            while (order.TryTakeNext(through, out var id, out var taken))
            {
                handed += taken is null ? 0 : 1;
                yield return (id, taken);
            }
        }
        if (cancellation.IsCancellationRequested)
            yield break;
        order.Settle(cursor.Incomplete.Count == 0 ? ulong.MaxValue : cursor.Incomplete.Min());
        while (order.TryTakeNext(through, out var id, out var taken))
        {
            handed += taken is null ? 0 : 1;
            yield return (id, taken);
        }
        Damage = cursor.Error ?? store.Damage;
        HeldBack = Math.Max(0, committed - handed);
    }
}
