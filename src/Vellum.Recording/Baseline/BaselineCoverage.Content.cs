using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Recording a node's content: a regular file as RESET, its runs of data (holes stay holes)
/// and then its attributes, in transactions of at most <see cref="DataPerTransaction"/>;
/// any other node as its NAME and attributes again.
/// </summary>
internal sealed partial class BaselineCoverage
{
    public const int DataPiece = 256 * 1024;
    public const long DataPerTransaction = 1024 * 1024;

    /// <summary>
    /// Records the content of the node behind <paramref name="fd"/> (inode <paramref name="inode"/>)
    /// when the plan still lists it, and returns the bytes of data it recorded.
    /// <paramref name="pause"/>, from the baseline's thread, runs between the transactions of a
    /// large file with the bytes recorded since, and the inode's stripe lock, which it may let go
    /// of (with the namespace lock) to let changes and the rate go by: a change to the file then
    /// covers it whole itself, which the recording finds when it goes on and stops; it stops
    /// too when its path no longer names the file (<see cref="StillNamed"/>). It returns
    /// false to stop (the walk is stopping); the file then stays to be recorded.
    /// </summary>
    public long CoverContent(int fd, ulong inode, TransactionWriter writer, Func<long, object, bool>? pause)
    {
        var stripe = Stripe(inode);
        Monitor.Enter(stripe);
        try
        {
            if (!IsContentPending(inode) || BackingInspection.Stat(fd, out var stat) != Errno.Success || stat.Ino != inode)
                return 0;
            var path = new PathBuffer();
            if (_paths.FindOwnName(fd, path) != PathLookup.Found)
                return 0;
            long bytes = 0;
            if ((stat.Mode & ManifestEntry.TypeMask) == ManifestEntry.RegularType)
            {
                var reading = BackingInspection.OpenForReading(fd, keepAccessTime: true);
                if (reading < 0)
                    return 0;
                try
                {
                    if (BackingInspection.Stat(reading, out stat) != Errno.Success)
                        return 0;
                    Func<long, bool>? between = pause is null ? null : recorded => pause(recorded, stripe) && IsContentPending(inode) && StillNamed(fd, path);
                    (bytes, var whole) = RecordFile(writer, reading, in stat, path.Path, between);
                    if (!whole)
                    {
                        DropWhenGone(reading, inode, bytes);
                        return bytes;
                    }
                }
                finally
                {
                    LibC.Close(reading);
                }
            }
            else
            {
                var batch = new TransactionBatch(writer);
                var target = stat.IsSymlink ? SymlinkTarget(fd) : null;
                batch.Add(new BaselineOperation
                {
                    Flags = BaselineFlags.Name | BaselineFlags.Attrs | _found,
                    Path = path.Path,
                    Stat = stat,
                    Target = target,
                    Xattrs = NodeXattrs.Read(fd),
                });
                batch.Commit();
            }
            lock (_sets)
            {
                if (!_plan.Contents.Remove(inode))
                    return bytes;
                RecordOwnEntry(fd, path.Path, ManifestEntry.Of(in stat, ManifestFlags.Content));
            }
            Progress.Recorded(1, bytes);
            return bytes;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    /// <summary>
    /// True while <paramref name="path"/> still names the node behind <paramref name="fd"/>. While
    /// a large file's recording pauses, an unlink of that name, or a rename over it, is
    /// journaled without covering the file first (it removes the name, not the content): the
    /// journal's next transaction for that path would reach a replica where the name is gone,
    /// or is another file.
    /// </summary>
    private bool StillNamed(int fd, PathBuffer path)
    {
        var now = new PathBuffer();
        return _paths.FindOwnName(fd, now) == PathLookup.Found && now.Path.SequenceEqual(path.Path);
    }

    /// <summary>
    /// A file whose recording stopped because its name went away has nothing left to record
    /// once it has no name at all: the journal's unlink or rename removed it from the replica too.
    /// </summary>
    private void DropWhenGone(int fd, ulong inode, long bytes)
    {
        if (BackingInspection.Stat(fd, out var now) != Errno.Success || now.Nlink != 0)
            return;
        lock (_sets)
        {
            if (!_plan.Contents.Remove(inode))
                return;
        }
        Progress.Recorded(1, bytes);
    }

    /// <summary>RESET, the data runs, ATTRS; returns the bytes of data recorded, and false when <paramref name="between"/> stopped it before the ATTRS.</summary>
    private (long Bytes, bool Whole) RecordFile(TransactionWriter writer, int fd, in NodeStat stat, ReadOnlySpan<byte> path, Func<long, bool>? between)
    {
        var size = (long)stat.Size;
        var xattrs = NodeXattrs.Read(fd);
        var runs = DataRuns(fd, size);
        var found = _found;
        if (runs.Count <= 1 && (runs.Count == 0 || runs[0].Length <= DataPiece))
        {
            var (offset, length) = runs.Count == 0 ? (0L, 0L) : runs[0];
            var batch = new TransactionBatch(writer);
            batch.Add(new BaselineOperation
            {
                Flags = BaselineFlags.Reset | BaselineFlags.Attrs | (length > 0 ? BaselineFlags.Data : BaselineFlags.None) | found,
                Path = path,
                Stat = stat,
                Xattrs = xattrs,
                DataFd = fd,
                Offset = offset,
                Length = length,
            });
            batch.Commit();
            return (length, true);
        }
        writer.Begin(DataPerTransaction + BaselineRecords.Overhead + path.Length);
        BaselineRecords.Write(writer, new BaselineOperation { Flags = BaselineFlags.Reset | found, Path = path, Stat = stat });
        long inTransaction = 0;
        long recorded = 0;
        foreach (var (start, runLength) in runs)
        {
            for (var offset = start; offset < start + runLength; offset += DataPiece)
            {
                var length = Math.Min(DataPiece, start + runLength - offset);
                if (inTransaction + length > DataPerTransaction)
                {
                    writer.Commit();
                    if (between is not null && !between(inTransaction))
                        return (recorded, false);
                    writer.Begin(DataPerTransaction + BaselineRecords.Overhead + path.Length);
                    inTransaction = 0;
                }
                BaselineRecords.Write(writer, new BaselineOperation { Flags = BaselineFlags.Data | found, Path = path, DataFd = fd, Offset = offset, Length = length });
                inTransaction += length;
                recorded += length;
            }
        }
        BaselineRecords.Write(writer, new BaselineOperation { Flags = BaselineFlags.Attrs | found, Path = path, Stat = stat, Xattrs = xattrs });
        writer.Commit();
        return (recorded, true);
    }

    /// <summary>The file's runs of data below <paramref name="size"/> (SEEK_DATA / SEEK_HOLE); the whole file where the filesystem cannot say.</summary>
    private static List<(long Offset, long Length)> DataRuns(int fd, long size)
    {
        var runs = new List<(long, long)>();
        long at = 0;
        while (at < size)
        {
            var data = LibC.LSeek(fd, at, LibCConstants.SeekData);
            if (data < 0)
            {
                if (LibC.LastError() == Errno.ENXIO)
                    break; // only a hole is left
                runs.Clear();
                runs.Add((0, size));
                return runs;
            }
            if (data >= size)
                break;
            var hole = LibC.LSeek(fd, data, LibCConstants.SeekHole);
            if (hole < 0 || hole > size)
                hole = size;
            runs.Add((data, hole - data));
            at = hole;
        }
        return runs;
    }
}
