namespace Vellum.Store;

/// <summary>
/// Group commit. A committer whose position is not yet durable either becomes the leader of
/// a sync, when none is in progress, or queues and sleeps. The leader takes the written
/// position, syncs every file holding bytes below it (sealed segments not yet synced, the
/// active one, the directory after a segment was created) and publishes that position as
/// durable; then it wakes exactly the queued committers the sync covered, and hands the
/// next sync to the lowest one still waiting, if any. Committers that wrote while a sync ran
/// share the next one; nobody is woken only to sleep again, and a lone committer pays one
/// fdatasync and no thread hand-off.
/// </summary>
public sealed partial class SegmentStore
{
    [ThreadStatic]
    private static DurabilityWaiter? t_waiter;

    private readonly Lock _syncLock = new();
    private readonly List<Segment> _unsynced = [];
    private readonly List<SegmentFile> _syncing = [];
    private readonly List<DurabilityWaiter> _waiters = [];
    private long _durable;
    private bool _syncInProgress;
    private bool _directoryDirty;
    private Exception? _failure;

    /// <summary>The position below which every byte has reached the disk (fdatasync returned).</summary>
    public long DurablePosition
    {
        get
        {
            lock (_syncLock)
                return _durable;
        }
    }

    /// <summary>Number of sync rounds (one fdatasync per file with new bytes) since opening.</summary>
    public long SyncCount { get; private set; }

    /// <summary>
    /// Returns once every byte below <paramref name="position"/> is durable. A sync that
    /// failed with a full disk cuts the store back to its durable position (see
    /// SegmentStore.CutBack.cs) and throws <see cref="StoreCutBackException"/> here for a
    /// position the cut removed. Any other failed sync fails the store: this and every later
    /// call throws, since what reached the disk is no longer known.
    /// </summary>
    public void WaitDurable(long position)
    {
        var cutBacks = CutBacks;
        while (true)
        {
            DurabilityWaiter? waiter = null;
            lock (_syncLock)
            {
                if (IsDurable(position, cutBacks))
                    return;
                if (_syncInProgress)
                {
                    waiter = t_waiter ??= new DurabilityWaiter();
                    waiter.Prepare(position);
                    _waiters.Add(waiter);
                }
                else
                {
                    _syncInProgress = true;
                }
            }
            if (waiter is not null)
            {
                waiter.Signal.Wait();
                if (!waiter.Lead)
                    continue;
            }
            LeadSync();
        }
    }

    /// <summary>
    /// Checks under the sync lock; throws when the store failed or closed, or when a cut since
    /// the wait began (<paramref name="cutBacks"/> then), or before it (the position is past
    /// the end), removed bytes below <paramref name="position"/>.
    /// </summary>
    private bool IsDurable(long position, long cutBacks)
    {
        ThrowIfSyncFailed();
        if (_durable >= position)
            return true;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((CutBacks != cutBacks || position > WrittenPosition) && _lastCut is { } cut)
            throw new StoreCutBackException(cut.Message, cut.DurablePosition, cut);
        return false;
    }

    private void ThrowIfSyncFailed()
    {
        if (_failure is not null)
            throw SyncFailed(_failure);
    }

    private StoreIOException SyncFailed(Exception failure) =>
        new($"the store at {Directory} cannot make appends durable: {failure.Message}", failure);

    private void LeadSync()
    {
        long target;
        bool directory;
        lock (_appendLock)
        {
            target = _written;
            ExtendRunwayLocked(target - _durable);
            directory = _directoryDirty;
            _directoryDirty = false;
            _syncing.Clear();
            foreach (var segment in _unsynced)
                _syncing.Add(segment.Writer!);
            if (!_disposed && _segments[^1].Writer is { } active && !_segments[^1].Sealed)
                _syncing.Add(active);
        }
        StoreIOException? failure = null;
        try
        {
            foreach (var file in _syncing)
                file.DataSync();
            if (directory)
                SegmentFile.SyncDirectory(Directory);
        }
        catch (StoreFullException full)
        {
            failure = CutBackToDurable(full);
        }
        catch (StoreIOException error)
        {
            failure = error;
        }
        lock (_appendLock)
        {
            if (failure is null)
                ReleaseSyncedSegments(target);
            else if (failure is not StoreCutBackException)
                _failure ??= failure;
        }
        lock (_syncLock)
        {
            if (failure is null && target > _durable)
                _durable = target;
            SyncCount++;
            HandOver(cut: failure is StoreCutBackException);
        }
        SignalAppended();
        if (failure is StoreCutBackException)
            throw failure;
        if (failure is not null)
            throw SyncFailed(failure);
    }

    /// <summary>
    /// Under the sync lock: wakes the waiters the sync covered (all of them after a failure,
    /// a cut or disposal, to throw or wait again), and passes the lead to the lowest waiter
    /// left, if any.
    /// </summary>
    private void HandOver(bool cut = false)
    {
        DurabilityWaiter? next = null;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            var waiter = _waiters[i];
            if (_failure is not null || _disposed || cut || waiter.Position <= _durable)
            {
                _waiters.RemoveAt(i);
                waiter.Signal.Set();
            }
            else if (next is null || waiter.Position < next.Position)
            {
                next = waiter;
            }
        }
        if (next is null || _failure is not null || _disposed)
        {
            _syncInProgress = false;
            return;
        }
        _waiters.Remove(next);
        next.Lead = true;
        next.Signal.Set();
    }

    /// <summary>Closes the writers of sealed segments the sync just covered.</summary>
    private void ReleaseSyncedSegments(long target)
    {
        for (var i = _unsynced.Count - 1; i >= 0; i--)
        {
            var segment = _unsynced[i];
            if (segment.End <= target)
            {
                segment.Writer?.Dispose();
                segment.Writer = null;
                _unsynced.RemoveAt(i);
            }
        }
    }

    /// <summary>Wakes waiters blocked in <see cref="WaitDurable"/> when the store closes.</summary>
    private void ReleaseWaiters()
    {
        lock (_syncLock)
        {
            foreach (var waiter in _waiters)
                waiter.Signal.Set();
            _waiters.Clear();
        }
    }
}
