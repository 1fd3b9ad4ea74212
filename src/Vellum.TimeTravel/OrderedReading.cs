using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// Reads a store's ended transactions in id order, as the mirror applies them
/// (<see cref="TransactionOrder"/>, docs/mirror.md 2): a transaction that ended while a lower
/// id was still open waits for it. Reading stops at the first damage (<see cref="Damage"/>)
/// and at a transaction still open at the store's end, so everything handed out is a prefix
/// of the id order.
/// </summary>
internal sealed class OrderedReading(SegmentStore store)
{
    /// <summary>The damage that stopped the reading; null when it read to the store's end.</summary>
    public StoreDamagedException? Damage { get; private set; }

    /// <summary>Committed transactions read but held back behind a lower id that had not ended (damage, or still open).</summary>
    public int HeldBack { get; private set; }

    /// <summary>Each ended transaction up to <paramref name="through"/>, in id order: its id, and the entry (null for an aborted one).</summary>
    public IEnumerable<(ulong Id, TransactionEntry? Committed)> Read(ulong through, CancellationToken cancellation = default)
    {
        var first = store.Header.FirstTransactionId;
        var order = new TransactionOrder(first == 0 ? 0 : first - 1);
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
                if (taken is not null)
                    handed++;
                yield return (id, taken);
            }
        }
        cancellation.ThrowIfCancellationRequested();
        if (order.Applied < through)
        {
            order.Settle(cursor.Incomplete.Count == 0 ? ulong.MaxValue : cursor.Incomplete.Min());
            while (order.TryTakeNext(through, out var id, out var taken))
            {
                if (taken is not null)
                    handed++;
                yield return (id, taken);
            }
            Damage = cursor.Error ?? store.Damage;
        }
        HeldBack = Math.Max(0, committed - handed);
    }
}
