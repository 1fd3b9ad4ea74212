using Vellum.Store;

namespace Vellum.Mirror;

/// <summary>
/// Whether a replica holds what its journal says it should at its recorded position: the
/// journal replayed afresh up to that position into a scratch directory beside it
/// (<see cref="ReplicaScratch"/>), compared with it (<see cref="ReplicaComparison"/>), and
/// removed. Finds what changed behind the mirror's back, which the position alone cannot show.
/// The replica is locked meanwhile (<see cref="ReplicaLock"/>).
/// </summary>
public sealed class ReplicaVerification
{
    /// <summary>How many differences a verification keeps by default; it counts all.</summary>
    public const int DefaultShown = 20;

    private ReplicaVerification(MirrorPosition? position, IReadOnlyList<ReplicaDifference> differences, long count)
    {
        Position = position;
        Differences = differences;
        DifferenceCount = count;
    }

    /// <summary>The replica's recorded position, up to which the journal was replayed; null for one never mirrored into.</summary>
    public MirrorPosition? Position { get; }

    /// <summary>The first differences, in path order (depth first).</summary>
    public IReadOnlyList<ReplicaDifference> Differences { get; }

    /// <summary>Every difference found, <see cref="Differences"/> and those not kept.</summary>
    public long DifferenceCount { get; }

    public bool IsEqual => DifferenceCount == 0;

    /// <summary>Verifies the existing replica <paramref name="replicaDirectory"/> against the store at <paramref name="storeDirectory"/>.</summary>
    /// <exception cref="ReplicaLockedException">Another writer applies to the replica.</exception>
    /// <exception cref="MirrorException">The replica is not this store's, the store lacks its start (retention) or ends before the replica's position, or the replay failed.</exception>
    /// <exception cref="StoreDamagedException">The store is damaged before the replica's position.</exception>
    public static ReplicaVerification Run(string storeDirectory, string replicaDirectory, int shown = DefaultShown, CancellationToken cancellation = default)
    {
        if (!Directory.Exists(replicaDirectory))
            throw new MirrorException($"there is no replica at {replicaDirectory}");
        using var replica = ReplicaRoot.Open(Path.GetFullPath(replicaDirectory));
        using var held = ReplicaLock.Acquire(replica);
        var position = MirrorState.Read(replica);
        RequireWholeJournal(storeDirectory, replica.Path, position?.JournalId);
        using var scratch = ReplicaScratch.Create(replica, "verify", forSwap: false);
        using (var replay = MirrorRunner.Open(storeDirectory, scratch.Path, durable: false, keepNewRootMode: true))
        {
            var through = position?.TransactionId ?? 0;
            replay.CatchUp(through, cancellation);
            cancellation.ThrowIfCancellationRequested();
            if (through != 0 && replay.Position?.TransactionId != through)
                throw new MirrorException($"the store at {storeDirectory} ends at transaction {replay.Position?.TransactionId ?? 0}, before the replica's position {through}: it is not the store {replica.Path} was mirrored from, or it lost its end");
        }
        using var expected = ReplicaRoot.Open(scratch.Path);
        var comparison = ReplicaComparison.Compare(expected.Descriptor, replica.Descriptor, shown, compareHoles: scratch.SameFilesystem);
        return new ReplicaVerification(position, comparison.Shown, comparison.Count);
    }

    /// <summary>
    /// Refuses, before replaying anything, a store that cannot make the replica afresh: one of
    /// another journal than the replica's (<paramref name="journalId"/>, when it has one), or
    /// one whose first segments retention deleted (a replay would lack what they held).
    /// </summary>
    internal static void RequireWholeJournal(string storeDirectory, string replica, Guid? journalId)
    {
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        if (journalId is { } expected && store.Header.JournalId != expected)
            throw new MirrorException($"the replica {replica} mirrors journal {expected}, but the store at {storeDirectory} holds journal {store.Header.JournalId}");
        if (store.FirstPosition > 0)
            throw new MirrorException($"the store at {storeDirectory} no longer holds its journal from the start (retention deleted what came before position {store.FirstPosition}), so no fresh replay can make {replica}: verify and rebuild need the whole journal");
    }
}
