using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// A replica made again from its journal: a fresh replay of the whole store into a scratch
/// directory beside it (<see cref="ReplicaScratch"/>), made durable, then put in the
/// replica's place in one atomic exchange, and the old tree removed. Until the exchange the
/// replica is as it was; a rebuild killed before it leaves a scratch directory that the next
/// verify or rebuild removes. Both trees are locked throughout (<see cref="ReplicaLock"/>).
/// </summary>
public static class ReplicaRebuild
{
    /// <summary>
    /// Rebuilds <paramref name="replicaDirectory"/> from the store at <paramref name="storeDirectory"/>
    /// (a missing or empty directory is simply mirrored into) and returns the new replica's
    /// position; null when <paramref name="cancellation"/> stopped it (the replica is unchanged).
    /// </summary>
    /// <exception cref="ReplicaLockedException">Another writer applies to the replica.</exception>
    /// <exception cref="MirrorException">The directory is not a replica of this store's journal (it holds another one's position, or files and no position), the store lacks its start (retention), or the replay failed; the replica is unchanged.</exception>
    /// <exception cref="Vellum.Store.StoreDamagedException">The store is damaged; the replica is unchanged.</exception>
    public static MirrorPosition? Run(string storeDirectory, string replicaDirectory, CancellationToken cancellation = default)
    {
        ExactDirectory.Create(replicaDirectory, ExactDirectory.Private);
        using var replica = ReplicaRoot.Open(Path.GetFullPath(replicaDirectory));
        using var held = ReplicaLock.Acquire(replica);
        var position = MirrorState.Read(replica);
        if (position is null && Directory.EnumerateFileSystemEntries(replica.Path).Any())
            throw new MirrorException($"the directory {replica.Path} holds files and no mirror position ({MirrorPosition.XattrName}): it is not a replica, and a rebuild would replace it; rebuild only a replica");
        ReplicaVerification.RequireWholeJournal(storeDirectory, replica.Path, position?.JournalId);
        using var scratch = ReplicaScratch.Create(replica, "rebuild", forSwap: true);
        using var rebuilt = MirrorRunner.Open(storeDirectory, scratch.Path);
        rebuilt.CatchUp(cancellation);
        if (cancellation.IsCancellationRequested)
            return null;
        // The rebuilt tree keeps its lock (the runner's) across the exchange: no other writer
        // can start on the replica's path in between.
        scratch.SwapWithReplica();
        return rebuilt.Position;
    }
}
