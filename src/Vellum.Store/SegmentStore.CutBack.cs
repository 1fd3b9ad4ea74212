namespace Vellum.Store;

/// <summary>
/// A full disk at sync time. A filesystem that allocates blocks at writeback (ext4's delayed
/// allocation, a thin or network disk) can accept a pwrite and then fail the fdatasync with
/// ENOSPC. After a failed sync the page cache cannot be trusted: the kernel may have dropped
/// the pages it could not write, or keep them clean with data the disk never got, and a
/// second fdatasync of the same descriptor reports success for them. So the store does not
/// retry: it cuts every segment back to its durable position (deleting segments created
/// after it), reads its state back from the disk as opening would, and tells whoever waits
/// for the bytes it dropped (<see cref="StoreCutBackException"/>). The appender, which still
/// holds those records (a journaled mount's write-ahead ring), appends them again once there
/// is room; their next sync is over fresh pages.
/// </summary>
public sealed partial class SegmentStore
{
    /// <summary>How many times a full disk at sync cut the store back to its durable position.</summary>
    public long CutBacks => _commit.CutBacks;

    /// <summary>
    /// Appends as <see cref="Append(ReadOnlySpan{byte})"/>, only if the store still ends at
    /// <paramref name="expectedEnd"/>, the end of this appender's last append: otherwise a sync
    /// cut it back meanwhile, the records before these are gone too, and it throws
    /// <see cref="StoreCutBackException"/> with nothing written.
    /// </summary>
    public long Append(ReadOnlySpan<byte> records, long expectedEnd)
    {
        long end;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            var written = WrittenPosition;
            if (written != expectedEnd && _commit.LastCut is { } cut)
                throw new StoreCutBackException($"{cut.Message} (this append expected the store to end at {expectedEnd})", written, cut);
            if (written != expectedEnd)
                throw new InvalidOperationException($"the store at {Directory} ends at {written}, not at {expectedEnd}: another writer appended to it");
            end = AppendRunLocked(records);
        }
        SignalAppended();
        return end;
    }

    /// <summary>
    /// Called by the leader of a sync that failed with a full disk, holding neither lock; the
    /// durable position is still the one before that sync. Returns what to throw; a store
    /// that cannot even cut back fails (<see cref="GroupCommit.Fail"/>).
    /// </summary>
    private StoreIOException CutBackToDurable(StoreFullException full)
    {
        var durable = DurablePosition;
        lock (_appendLock)
        {
            var cut = new StoreCutBackException(
                $"{full.Message}: the disk is full and what the sync did not make durable cannot be trusted, so the store at {Directory} went back from {WrittenPosition} to its durable position {durable}",
                durable, full);
            try
            {
                CutFilesLocked(durable);
                ReadStateBackLocked();
            }
            catch (Exception error) when (error is IOException or StoreDamagedException)
            {
                _commit.Fail(error);
                return new StoreIOException($"the store at {Directory} cannot make appends durable: {error.Message}", error);
            }
            _commit.CutBack(_segments[^1].End, cut);
            return cut;
        }
    }

    /// <summary>Under the append lock: every byte at or after <paramref name="durable"/> leaves the disk.</summary>
    private void CutFilesLocked(long durable)
    {
        foreach (var segment in _segments)
        {
            segment.Writer?.Dispose();
            segment.Writer = null;
        }
        _unsynced.Clear();
        // The first segment's sync point was durable before the store opened, so one file always stays.
        while (_segments.Count > 1 && _segments[^1].Start >= durable)
        {
            File.Delete(_segments[^1].Path);
            _segments.RemoveAt(_segments.Count - 1);
            _directoryDirty = true;
        }
        var last = _segments[^1];
        using var file = SegmentFile.Open(last.Path, write: true);
        file.Truncate(durable - last.Start);
    }

    /// <summary>Under the append lock: the segments, open transactions and last id as the files now hold them (the caller moves the written position).</summary>
    private void ReadStateBackLocked()
    {
        var state = StoreRecovery.Recover(Directory, _options with { AbortUnfinished = false }, _directoryHandle, syncTail: false);
        _segments.Clear();
        _segments.AddRange(state.Segments);
        _open.Clear();
        foreach (var (streamId, transactionId) in state.Open)
            _open[streamId] = transactionId;
        _lastBegun = state.LastBegun;
    }
}
