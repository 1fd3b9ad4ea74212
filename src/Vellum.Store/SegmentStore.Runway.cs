namespace Vellum.Store;

/// <summary>
/// The runway: zeros written ahead of the newest segment's records. On ext4, as on other
/// filesystems with delayed allocation, an fdatasync that covers an append also commits the
/// file's new size and blocks in the filesystem's journal: one more journal commit, and disk
/// flush, on every small commit. Records written over zeros already on disk change neither
/// size nor blocks, so their fdatasync writes the data and flushes the disk cache (fsync
/// through a journaled mount: median about 340 µs appending, 210 µs over a runway, on the
/// same disk). Only a new modification time is left: ext4 without a journal still writes
/// the inode for that when the time changed since the last sync: once per clock tick, or
/// every time once anything reads a file's times between writes (Linux 6.13's fine-grained
/// timestamps; the journaled mount's recorder avoids reading them for this reason). Zeros
/// cost disk bandwidth, so they are written only ahead of small commits
/// (a sync round covering less than <see cref="SmallCommit"/> bytes), <see
/// cref="StoreOptions.RunwaySize"/> at a time, once less than half of the last is left;
/// large or rare commits append as before. The format allows zeros after a segment's last
/// record (docs/journal-format.md 1.4 and 5.1); sealing and closing cut them off.
/// </summary>
public sealed partial class SegmentStore
{
    private const long SmallCommit = 64 * 1024;

    /// <summary>Under the append lock, by the leader of a sync about to cover <paramref name="pending"/> new bytes.</summary>
    private void ExtendRunwayLocked(long pending)
    {
        var segment = _segments[^1];
        if (_options.RunwaySize == 0 || pending >= SmallCommit || _disposed || segment.Sealed || segment.Writer is not { } writer)
            return;
        var start = Math.Max(segment.RunwayEnd, segment.Length);
        if (start - segment.Length >= _options.RunwaySize / 2)
            return;
        var end = Math.Min(start + _options.RunwaySize, Math.Max(_options.SegmentSize, segment.Length));
        if (end <= start)
            return;
        // Recorded before writing: a failed write may have left some zeros, and sealing must cut them.
        segment.RunwayEnd = end;
        try
        {
            writer.WriteZeros(start, end - start);
        }
        catch (StoreIOException)
        {
            // Without a runway the next appends extend the file, as they would anyway: the
            // sync goes on, and a full disk shows on the append that needs the space.
        }
    }

    /// <summary>Cuts the zeros after the records, so that a sealed or closed segment file ends with its last record.</summary>
    private static void TrimRunway(Segment segment)
    {
        if (segment.RunwayEnd <= segment.Length || segment.Writer is not { } writer)
            return;
        writer.Truncate(segment.Length);
        segment.RunwayEnd = 0;
    }

    /// <summary>At close: a failed cut leaves zeros the format allows and the next open cuts.</summary>
    private static void TrimRunwayOnClose(Segment segment)
    {
        try
        {
            TrimRunway(segment);
        }
        catch (StoreIOException)
        {
            // Nothing is lost: see the summary.
        }
    }
}
