namespace Vellum.Store;

/// <summary>
/// Durability: the store's sync round, led by one committer of its group commit
/// (<see cref="GroupCommit"/>) at a time. The round takes the written position and syncs every
/// file holding bytes below it: sealed segments not yet synced, the active one, and the
/// directory after a segment was created or deleted.
/// </summary>
public sealed partial class SegmentStore
{
    private readonly List<Segment> _unsynced = [];
    private readonly List<SegmentFile> _syncing = [];
    private bool _directoryDirty;

    /// <summary>The position below which every byte has reached the disk (fdatasync returned).</summary>
    public long DurablePosition => _commit.DurablePosition;

    /// <summary>Number of sync rounds (one fdatasync per file with new bytes) since opening.</summary>
    public long SyncCount => _commit.SyncCount;

    /// <summary>
    /// Returns once every byte below <paramref name="position"/> is durable. A sync that
    /// failed with a full disk cuts the store back to its durable position (see
    /// SegmentStore.CutBack.cs) and throws <see cref="StoreCutBackException"/> here for a
    /// position the cut removed. Any other failed sync fails the store: this and every later
    /// call throws, since what reached the disk is no longer known.
    /// </summary>
    public void WaitDurable(long position) => _commit.WaitDurable(position);

    /// <summary>
    /// As <see cref="WaitDurable"/>, holding no thread while it waits (for async callers such
    /// as a replication target): the sync round that covers <paramref name="position"/>
    /// completes it. Cancelling ends the wait, not the sync.
    /// </summary>
    public ValueTask WaitDurableAsync(long position, CancellationToken cancellation = default) =>
        _commit.WaitDurableAsync(position, cancellation);

    /// <summary>
    /// The group commit's sync, run by the leader of a round holding neither lock: syncs every
    /// file with bytes below the written position and returns that position.
    /// </summary>
    private long SyncWritten()
    {
        long target;
        bool directory;
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            target = WrittenPosition;
            ExtendRunwayLocked(target - DurablePosition);
            directory = _directoryDirty;
            _directoryDirty = false;
            _syncing.Clear();
            foreach (var segment in _unsynced)
                _syncing.Add(segment.Writer!);
            if (_segments[^1].Writer is { } active && !_segments[^1].Sealed)
                _syncing.Add(active);
        }
        try
        {
            foreach (var file in _syncing)
                file.DataSync();
            if (directory)
                SegmentFile.SyncDirectory(Directory);
        }
        catch (StoreFullException full)
        {
            throw CutBackToDurable(full);
        }
        lock (_appendLock)
            ReleaseSyncedSegments(target);
        return target;
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
}
