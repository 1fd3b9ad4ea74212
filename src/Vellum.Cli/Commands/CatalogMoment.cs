using Vellum.Catalog;
using Vellum.Journal.Format;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// A MOMENT resolved from the catalog instead of a read of the whole store (docs/time-travel.md
/// 2): <c>txid:N</c> the last indexed transaction with an id up to N, a time the highest id
/// stamped at or before it; refused outside the baseline's completion and the newest transaction.
/// </summary>
internal static class CatalogMoment
{
    /// <exception cref="CommandFailure">Out of range or in the future (usage).</exception>
    public static ResolvedMoment Resolve(StoreCatalog catalog, string store, Moment moment, DateTimeOffset now)
    {
        if (catalog.OldestMoment() is not { } oldest || catalog.NewestMoment() is not { } newest)
            throw CommandFailure.Usage($"--at {moment}: {store} holds no moment that can be named exactly yet (no committed transaction, or the journal's baseline has not completed: `vellum status` shows its progress)");
        var range = $"{store} holds exactly from {Text(oldest)} to {Text(newest)}";
        if (moment.Kind == MomentKind.TransactionId)
        {
            if (moment.TransactionId < oldest.Id || moment.TransactionId > newest.Id)
                throw CommandFailure.Usage($"--at {moment}: {(moment.TransactionId < oldest.Id ? "before the journal's baseline completed" : "after the last transaction the store holds")}; {range}");
            var found = catalog.TransactionAtOrBelow(moment.TransactionId)!.Value;
            return new ResolvedMoment(found.Id, found.Time);
        }
        var time = moment.TimeAt(now);
        var nanoseconds = time.Seconds * 1_000_000_000 + time.Nanoseconds;
        if (Compare(time, oldest.Time) < 0)
            throw CommandFailure.Usage($"--at {moment}: {time} is before the journal's baseline completed; {range}");
        if (Compare(time, Moment.Parse("0s").TimeAt(now)) > 0)
            throw CommandFailure.Usage($"--at {moment}: {time} is in the future; {range}");
        var id = catalog.LastTransactionAtOrBefore(nanoseconds) ?? oldest.Id;
        var resolved = catalog.TransactionAtOrBelow(id)!.Value;
        return new ResolvedMoment(resolved.Id, resolved.Time);
    }

    public static string Text((ulong Id, JournalTimestamp Time) moment) => $"txid:{moment.Id} ({moment.Time})";

    private static int Compare(JournalTimestamp a, JournalTimestamp b) =>
        a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Nanoseconds.CompareTo(b.Nanoseconds);
}
