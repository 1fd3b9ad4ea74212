using System.Diagnostics;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel.Undo;

/// <summary>
/// `vellum undo`: rolls a replica made by `vellum mirror` back from its position to an
/// earlier moment with the UNDO records of a reversible journal (DragonFly's `jscan -u`),
/// newest transaction first, under the replica's lock, and moves its recorded position to the
/// moment, so that a later `vellum mirror` re-applies what came after (docs/time-travel.md 9).
/// Everything is checked before the replica is touched: a transaction in the range without the
/// UNDO that reverses it refuses the whole undo.
/// </summary>
public static class MirrorUndo
{
    /// <param name="resolved">Told the moment and the replica's position once both are known, before anything changes.</param>
    /// <exception cref="MomentException">The moment is outside the store's exact range, or after the replica's position.</exception>
    /// <exception cref="UndoRefusedException">The replica is no replica, or a transaction in the range lacks UNDO; nothing changed.</exception>
    /// <exception cref="ReplicaLockedException">Another writer applies to the replica.</exception>
    /// <exception cref="MirrorException">The replica mirrors another journal, holds an undo cut short, or an inverse operation could not be applied.</exception>
    /// <exception cref="StoreDamagedException">The store cannot be opened.</exception>
    public static UndoSummary Run(string storeDirectory, string replicaDirectory, Moment moment, DateTimeOffset now,
        Action<ResolvedMoment, ResolvedMoment>? resolved = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(moment);
        var clock = Stopwatch.StartNew();
        using var root = ReplicaRoot.Open(Path.GetFullPath(replicaDirectory));
        using var held = ReplicaLock.Acquire(root);
        if (UndoMark.Read(root) is { } undoing)
            throw UndoMark.Interrupted(storeDirectory, replicaDirectory, undoing);
        var position = MirrorState.Read(root)
            ?? throw new UndoRefusedException($"{replicaDirectory} holds no mirror position ({MirrorPosition.XattrName}): it is not a replica made by vellum mirror, and undo only rolls such a replica back");
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        if (store.Header.JournalId != position.JournalId)
            throw new MirrorException($"the replica {replicaDirectory} mirrors journal {position.JournalId}, but the store at {storeDirectory} holds journal {store.Header.JournalId}");

        var timeline = StoreTimeline.Read(storeDirectory, cancellation);
        var at = timeline.Resolve(moment, now);
        if (at.TransactionId > position.TransactionId)
            throw new MomentException($"{moment} is {at}, after the replica's position txid:{position.TransactionId}: undo only goes back; `vellum mirror --store {storeDirectory} --to {replicaDirectory}` brings the replica forward");
        var from = timeline.Newest is { } newest && position.TransactionId <= newest.TransactionId
            ? timeline.Resolve(Moment.Parse($"txid:{position.TransactionId}"), now)
            : new ResolvedMoment(position.TransactionId, default);
        resolved?.Invoke(at, from);
        if (at.TransactionId == position.TransactionId)
            return new UndoSummary(at, from, 0, root.Path, clock.Elapsed);

        var plan = UndoPlan.Read(new OrderedReading(store), at.TransactionId, position.TransactionId, cancellation);
        // From here the replica changes: the mark is durable first, so a cut-short undo is never taken for either state.
        UndoMark.Write(root, $"from txid:{position.TransactionId} to txid:{at.TransactionId}");
        MirrorState.Flush(root);
        var applier = new UndoApplier(root);
        try
        {
            for (var i = plan.Steps.Count - 1; i >= 0; i--)
                applier.Undo(plan.Steps[i]);
            foreach (var (path, state) in plan.ChangedSinceMoment())
                applier.Restore(path, state, at.TransactionId);
        }
        catch (MirrorApplyException failure)
        {
            throw new MirrorApplyException(failure, $"the replica no longer matches the journal there (or refused the change), and is left part undone, marked as such ({UndoMark.XattrName}): rebuild it (vellum mirror --store {storeDirectory} --to {replicaDirectory} --rebuild), then undo again");
        }
        MirrorState.Write(root, new MirrorPosition(position.JournalId, at.TransactionId));
        UndoMark.Clear(root);
        MirrorState.Flush(root);
        return new UndoSummary(at, from, plan.Steps.Count, root.Path, clock.Elapsed);
    }
}
