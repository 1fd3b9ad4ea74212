using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// A store's transactions in id order (as <see cref="OrderedReading"/> gives them) that goes on
/// past damage, for `restore --best-effort`: where the reading meets a damaged record, it starts
/// again at the first transaction the store's index places after it (in the same segment, or
/// the next), and the transactions between, which cannot be read, are <see cref="Lost"/>.
/// </summary>
internal sealed class ReadingPastDamage(SegmentStore store)
{
    private readonly List<LostTransactions> _lost = [];

    /// <summary>The stretches of transactions that could not be read (set as the reading goes).</summary>
    public IReadOnlyList<LostTransactions> Lost => _lost;

    public IEnumerable<(ulong Id, TransactionEntry? Committed)> Read(ulong through, CancellationToken cancellation = default)
    {
        var applied = store.Header.FirstTransactionId == 0 ? 0 : store.Header.FirstTransactionId - 1;
        while (applied < through && !cancellation.IsCancellationRequested)
        {
            var from = store.ReadStartFor(applied + 1);
            var reading = new OrderedReading(store, applied);
            foreach (var (id, committed) in reading.Read(through, cancellation))
            {
                applied = id;
                yield return (id, committed);
            }
            if (reading.Damage is not { } damage || damage.Position < from || ResumeAfter(damage.Position, applied) is not { } resume)
            {
                if (reading.Damage is { } end && applied < through)
                    _lost.Add(new LostTransactions(applied + 1, null, end));
                yield break;
            }
            _lost.Add(new LostTransactions(applied + 1, resume - 1, damage));
            applied = resume - 1;
        }
    }

    /// <summary>The lowest id after <paramref name="applied"/> whose reading starts past <paramref name="position"/>; null when none does.</summary>
    private ulong? ResumeAfter(long position, ulong applied)
    {
        var low = applied + 1;
        var high = store.LastTransactionId;
        if (high < low || store.ReadStartFor(high) <= position)
            return null;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (store.ReadStartFor(middle) > position)
                high = middle;
            else
                low = middle + 1;
        }
        return low;
    }
}

/// <summary>Transactions <see cref="From"/> to <see cref="To"/> (null: to the store's end) could not be read: <see cref="Damage"/> stands where they are.</summary>
public sealed record LostTransactions(ulong From, ulong? To, StoreDamagedException Damage)
{
    public override string ToString() =>
        $"{(To is { } to ? to == From ? $"transaction {From}" : $"transactions {From} to {to}" : $"transactions from {From} on")} (the store is damaged at {StoreTimeline.Where(Damage)})";
}
