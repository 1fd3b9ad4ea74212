using Vellum.Journal.Scanning;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.Mirror;

/// <summary>
/// Keeps a replica directory equal to a segment store's journal: applies, in id order, every
/// committed transaction after the replica's persisted <see cref="MirrorPosition"/>, and
/// writes the position after each one. A crash re-applies at most the transaction it was in,
/// which idempotence makes harmless (docs/mirror.md).
/// </summary>
/// <remarks>
/// The store is opened read-only for each pass, so another process may be appending to it:
/// a read-only <see cref="SegmentStore"/> is a snapshot taken at opening, and following means
/// opening it again when its directory changes (<see cref="Follow"/>).
/// </remarks>
public sealed class MirrorRunner : IDisposable
{
    /// <summary>Transactions between two flushes of the replica (syncfs); each pass also ends with one.</summary>
    public const int FlushInterval = 1024;

    private readonly ReplicaRoot _root;
    private readonly ReplicaLock _lock;
    private readonly JournalApplier _applier;
    private int _unflushed;

    private MirrorRunner(string storeDirectory, ReplicaRoot root, ReplicaLock held, MirrorPosition? position)
    {
        StoreDirectory = storeDirectory;
        _root = root;
        _lock = held;
        _applier = new JournalApplier(root);
        Position = position;
    }

    public string StoreDirectory { get; }

    public string ReplicaDirectory => _root.Path;

    /// <summary>The replica's position; null until its first transaction (or aborted one) is behind it.</summary>
    public MirrorPosition? Position { get; private set; }

    /// <summary>Raised after each new position is written (the transaction's effects are in the replica, not yet flushed).</summary>
    public event Action<MirrorPosition>? PositionAdvanced;

    /// <summary>Transactions applied since this object was opened (aborted ones not counted).</summary>
    public long Applied { get; private set; }

    /// <summary>Whether each pass ends with a flush, and every <see cref="FlushInterval"/> transactions: off for a scratch replay that is thrown away.</summary>
    internal bool Durable { get; init; } = true;

    /// <summary>
    /// Opens a replica for mirroring <paramref name="storeDirectory"/>, creating the directory
    /// if it is missing, and locks it (<see cref="ReplicaLock"/>) until disposed. A directory
    /// that holds no position must be empty: mirroring into one with other contents would mix
    /// them into the replica. A new replica's root is made 0700 (created so, or narrowed to
    /// it), until its journal gives it the source root's mode and owner: never wider than the
    /// source before the mirror knows what the source's is.
    /// </summary>
    /// <exception cref="ReplicaLockedException">Another writer applies to the replica.</exception>
    /// <exception cref="SystemCallException">The replica directory cannot be created or narrowed.</exception>
    public static MirrorRunner Open(string storeDirectory, string replicaDirectory) => Open(storeDirectory, replicaDirectory, durable: true);

    /// <param name="keepNewRootMode">Leaves a new replica's root mode as it is: a verify's scratch root holds the replica root's, which a journal that never sets the root's must find again.</param>
    internal static MirrorRunner Open(string storeDirectory, string replicaDirectory, bool durable, bool keepNewRootMode = false)
    {
        ExactDirectory.Create(replicaDirectory, ExactDirectory.Private);
        var root = ReplicaRoot.Open(Path.GetFullPath(replicaDirectory));
        ReplicaLock? held = null;
        try
        {
            held = ReplicaLock.Acquire(root);
            if (UndoMark.Read(root) is { } undoing)
                throw UndoMark.Interrupted(storeDirectory, replicaDirectory, undoing);
            var position = MirrorState.Read(root);
            if (position is null && Directory.EnumerateFileSystemEntries(replicaDirectory).Any())
                throw new MirrorException($"the replica {replicaDirectory} is not empty and holds no mirror position ({MirrorPosition.XattrName}); mirror into an empty directory");
            if (position is null && !keepNewRootMode && LibC.FChmod(root.Descriptor, ExactDirectory.Private) != 0)
                throw SystemCallException.Last("fchmod", root.Path);
            return new MirrorRunner(storeDirectory, root, held, position) { Durable = durable };
        }
        catch
        {
            held?.Dispose();
            root.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Applies everything the store holds now after the replica's position, then flushes.
    /// Returns how many transactions were applied.
    /// </summary>
    /// <exception cref="MirrorException">A transaction was refused or failed, or the store holds another journal; everything before it is applied.</exception>
    /// <exception cref="StoreDamagedException">The store is damaged; everything before the damage is applied.</exception>
    public long CatchUp(CancellationToken cancellation = default) => CatchUp(ulong.MaxValue, cancellation);

    /// <summary>Applies what the store holds after the replica's position up to transaction <paramref name="through"/>; see <see cref="CatchUp(CancellationToken)"/>.</summary>
    internal long CatchUp(ulong through, CancellationToken cancellation = default)
    {
        var before = Applied;
        using var store = SegmentStore.OpenReadOnly(StoreDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {StoreDirectory} holds no readable segment");
        var journalId = store.Header.JournalId;
        if (Position is { } position && position.JournalId != journalId)
            throw new MirrorException($"the replica {ReplicaDirectory} mirrors journal {position.JournalId}, but the store at {StoreDirectory} holds journal {journalId}");

        var reading = Position is { } at ? new OrderedReading(store, at.TransactionId) : new OrderedReading(store);
        try
        {
            foreach (var (id, transaction) in reading.Read(through, cancellation))
                Advance(id, transaction, journalId);
            if (cancellation.IsCancellationRequested)
                return Applied - before;
            if (reading.Damage is { } damage)
                throw damage;
        }
        finally
        {
            Flush();
        }
        return Applied - before;
    }

    /// <summary>
    /// Catches up, then again each time <paramref name="waitForChange"/> returns true (it
    /// blocks until the store may have changed), until it returns false or
    /// <paramref name="cancellation"/> is cancelled.
    /// </summary>
    public void Follow(Func<CancellationToken, bool> waitForChange, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(waitForChange);
        while (!cancellation.IsCancellationRequested)
        {
            CatchUp(cancellation);
            if (cancellation.IsCancellationRequested || !waitForChange(cancellation))
                return;
        }
    }

    /// <summary>
    /// Follows a store this process has open (a mount's journal, a received replica): catches
    /// up, then again after each append to it (with <paramref name="durableOnly"/>, each
    /// append made durable), until <paramref name="cancellation"/> is cancelled or the store
    /// is closed.
    /// </summary>
    public void FollowStore(SegmentStore store, bool durableOnly, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        // Read before each pass: what arrives during it wakes the next one.
        var seen = Reached(store);
        Follow(stop =>
        {
            var changed = store.WaitForData(seen, durableOnly, stop);
            seen = Reached(store);
            return changed;
        }, cancellation);

        long Reached(SegmentStore followed) => durableOnly ? followed.DurablePosition : followed.WrittenPosition;
    }

    public void Dispose()
    {
        _applier.Dispose();
        _root.Dispose();
        _lock.Dispose();
    }

    private void Advance(ulong id, TransactionEntry? transaction, Guid journalId)
    {
        if (transaction is not null)
        {
            Apply(transaction);
            Applied++;
        }
        var position = new MirrorPosition(journalId, id);
        MirrorState.Write(_root, position);
        Position = position;
        PositionAdvanced?.Invoke(position);
        if (++_unflushed >= FlushInterval && Durable)
            Flush();
    }

    /// <summary>Applies one transaction; a failure says what to do, since the mirror cannot pass it by itself.</summary>
    private void Apply(TransactionEntry transaction)
    {
        try
        {
            _applier.Apply(transaction);
        }
        catch (MirrorApplyException failure)
        {
            throw new MirrorApplyException(failure, failure.ReplicaDiffers
                ? "the replica no longer matches the journal: mirror again into an empty directory"
                : $"the replica's filesystem refused it: fix that and run the mirror again, which resumes at transaction {failure.TransactionId}");
        }
    }

    private void Flush()
    {
        if (_unflushed == 0 || !Durable)
            return;
        MirrorState.Flush(_root);
        _unflushed = 0;
    }
}
