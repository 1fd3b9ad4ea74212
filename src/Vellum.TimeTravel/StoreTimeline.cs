using Vellum.Catalog;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// Which moments a store can restore exactly, and what a MOMENT names in it
/// (docs/time-travel.md): read from the store in one pass, in the mirror's id order. The
/// oldest exact moment is the end of the baseline's COMPLETE transaction (a journal of format
/// 2, which has no baseline, its first transaction); the newest, the last transaction before
/// anything that cannot be read yet: damage, or a lower id still open at the store's end.
/// </summary>
/// <remarks>
/// <see cref="Read"/> reads the whole store; <see cref="FromCatalog"/> answers the same from
/// the catalog. Only the ids and times are kept: 20 bytes a transaction.
/// </remarks>
public sealed class StoreTimeline
{
    private readonly ulong[] _ids;
    private readonly JournalTimestamp[] _times;

    private StoreTimeline(string store, ulong[] ids, JournalTimestamp[] times, ResolvedMoment? baselineComplete, bool hasBaseline, StoreDamagedException? damage, int heldBack)
    {
        Store = store;
        _ids = ids;
        _times = times;
        BaselineComplete = baselineComplete;
        HasBaseline = hasBaseline;
        Damage = damage;
        HeldBack = heldBack;
    }

    public string Store { get; }

    /// <summary>Whether the journal's format records a baseline (3 and later); one without restores from its first transaction.</summary>
    public bool HasBaseline { get; }

    /// <summary>The transaction that completed the baseline; null when it has not (yet) or the format has none.</summary>
    public ResolvedMoment? BaselineComplete { get; }

    /// <summary>The damage that ended what can be read; null when the store reads to its end.</summary>
    public StoreDamagedException? Damage { get; }

    /// <summary>Committed transactions past <see cref="Newest"/> that wait behind a lower id not ended (or lost to <see cref="Damage"/>).</summary>
    public int HeldBack { get; }

    /// <summary>Committed transactions readable in id order.</summary>
    public int Count => _ids.Length;

    /// <summary>The oldest moment restorable exactly; null when there is none (no transaction, or the baseline has not completed).</summary>
    public ResolvedMoment? Oldest => HasBaseline ? BaselineComplete : _ids.Length == 0 ? null : new ResolvedMoment(_ids[0], _times[0]);

    /// <summary>The newest moment restorable exactly; null when there is none.</summary>
    public ResolvedMoment? Newest => Oldest is null ? null : new ResolvedMoment(_ids[^1], _times[^1]);

    /// <summary>Reads the store's transactions (what its files hold now: a live mount's store as far as it is written).</summary>
    /// <param name="pastDamage">Go on past damage (`restore --best-effort`): the transactions that cannot be read are <see cref="Lost"/>, and the moments after them can be named.</param>
    /// <exception cref="StoreDamagedException">The store cannot be opened at all.</exception>
    public static StoreTimeline Read(string storeDirectory, CancellationToken cancellation = default, bool pastDamage = false)
    {
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        var ids = new List<ulong>();
        var times = new List<JournalTimestamp>();
        ResolvedMoment? complete = null;
        var reading = new OrderedReading(store);
        var past = new ReadingPastDamage(store);
        foreach (var (id, committed) in pastDamage ? past.Read(ulong.MaxValue, cancellation) : reading.Read(ulong.MaxValue, cancellation))
        {
            if (committed is null || committed.Operations.Count == 0)
                continue;
            var time = committed.Operations[0].Time;
            ids.Add(id);
            times.Add(time);
            if (complete is null && CompletesBaseline(committed))
                complete = new ResolvedMoment(id, time);
        }
        cancellation.ThrowIfCancellationRequested();
        var damage = pastDamage ? past.Lost.FirstOrDefault(lost => lost.To is null)?.Damage : reading.Damage;
        return new StoreTimeline(storeDirectory, [.. ids], [.. times], complete, store.Header.Version >= 3, damage, pastDamage ? 0 : reading.HeldBack) { Lost = past.Lost };
    }

    /// <summary>What a reading past damage could not read (empty otherwise).</summary>
    public IReadOnlyList<LostTransactions> Lost { get; private init; } = [];

    /// <summary>
    /// The same answers from the store's catalog (its transactions' ids and times), without
    /// reading the store; a store the catalog found damaged is read instead, to name the damage
    /// and the last transaction before it exactly.
    /// </summary>
    /// <param name="pastDamage">As for <see cref="Read"/>: a damaged store is read past its damage.</param>
    public static StoreTimeline FromCatalog(StoreCatalog catalog, CancellationToken cancellation = default, bool pastDamage = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (catalog.LastUpdate.Damage is not null)
            return Read(catalog.StoreDirectory, cancellation, pastDamage);
        // A committed transaction without operations has no time (0), and the mirror applies nothing of it.
        var transactions = catalog.TransactionsThrough(ulong.MaxValue).Where(transaction => transaction.Time != default).ToList();
        var hasBaseline = catalog.Header.Version >= 3;
        ResolvedMoment? complete = hasBaseline && catalog.OldestMoment() is { } oldest ? new ResolvedMoment(oldest.Id, oldest.Time) : null;
        return new StoreTimeline(catalog.StoreDirectory, [.. transactions.Select(t => t.Id)], [.. transactions.Select(t => t.Time)], complete, hasBaseline, null, 0);
    }

    /// <summary>
    /// The state <paramref name="moment"/> names: <c>txid:N</c> the last committed transaction
    /// with an id up to N; a time (or an age before <paramref name="now"/>) the highest id whose
    /// TIME is at or before it, so that every change stamped at or before it is in the state.
    /// </summary>
    /// <exception cref="MomentException">The moment is outside the exact range (the message names it), or in the future.</exception>
    public ResolvedMoment Resolve(Moment moment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(moment);
        if (Oldest is not { } oldest || Newest is not { } newest)
            throw new MomentException($"{moment}: {Store} holds no moment that can be restored exactly yet: {Emptiness()}", pastDamage: Damage is not null);
        if (moment.Kind == MomentKind.TransactionId)
        {
            if (moment.TransactionId < oldest.TransactionId || moment.TransactionId > newest.TransactionId)
                throw OutOfRange(moment, moment.TransactionId < oldest.TransactionId ? Before() : After());
            var index = Array.BinarySearch(_ids, moment.TransactionId);
            return At(index >= 0 ? index : ~index - 1);
        }
        var time = moment.TimeAt(now);
        if (Compare(time, oldest.Time) < 0)
            throw OutOfRange(moment, $"{time} is {Before()}");
        if (Compare(time, Moment.FromDateTime(now)) > 0)
            throw OutOfRange(moment, $"{time} is in the future");
        if (Compare(time, newest.Time) > 0 && (Damage is not null || HeldBack > 0))
            throw OutOfRange(moment, $"{time} is {After()}");
        var best = -1;
        for (var i = 0; i < _ids.Length; i++)
        {
            if (Compare(_times[i], time) <= 0)
                best = i;
        }
        return At(best);
    }

    /// <summary>The range in words: "from txid:12 (2026-...) to txid:480 (2026-...)".</summary>
    public string Range => Oldest is { } oldest && Newest is { } newest ? $"from {oldest} to {newest}" : Emptiness();

    private static bool CompletesBaseline(TransactionEntry transaction) =>
        transaction.Operations.Any(operation => operation.Kind == SubRecordType.Baseline && operation.Redo?.Flags is { } flags && (flags & (uint)BaselineFlags.Complete) != 0);

    private static int Compare(JournalTimestamp a, JournalTimestamp b) =>
        a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Nanoseconds.CompareTo(b.Nanoseconds);

    private ResolvedMoment At(int index) => new(_ids[index], _times[index]);

    private string Before() => HasBaseline ? "before the journal's baseline completed" : "before the journal's first transaction";

    private string After() => Damage is { } damage
        ? $"past what can be read: the store is damaged at {Where(damage)}"
        : HeldBack > 0 ? "past what can be read: a transaction before it is still open" : "after the last transaction the store holds";

    private MomentException OutOfRange(Moment moment, string why) =>
        new($"{moment}: {why}; {Store} can restore exactly {Range}", pastDamage: Damage is not null && why.Contains("damaged", StringComparison.Ordinal));

    private string Emptiness() => Damage is { } damage
        ? $"the store is damaged at {Where(damage)} before any such moment"
        : _ids.Length == 0 ? "it holds no committed transaction" : "the journal's baseline has not completed (the mount records it in the background; `vellum status` shows its progress)";

    internal static string Where(StoreDamagedException damage) =>
        damage.File.Length == 0 ? damage.Message : $"{damage.File} byte {damage.Offset} ({damage.Message})";
}
