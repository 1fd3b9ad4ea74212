using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>What a failed write, copy or fallocate left in its range of the file.</summary>
internal static partial class PartialChanges
{
    private const int KeepSize = 0x01;
    private const int PunchHole = 0x02;
    private const int ZeroRange = 0x10;

    /// <summary>Edge pieces this long at each end of a punch or zero-range are recorded as bytes: whole blocks of any block size.</summary>
    private const long EdgeSpan = 64 * 1024;

    /// <summary>
    /// ext4 may have changed the range before failing: a fallocate or a write allocates in
    /// order (unwritten extents, the size growing as it goes) and keeps what it got when
    /// space runs out; a punch or zero-range zeroes the partial blocks at its ends with
    /// writes, and frees or converts whole blocks in order. So, from the file's extents
    /// (<see cref="FileExtents"/>), within the range up to the file's size: every unwritten
    /// extent becomes a punch and an allocation (zeros, allocated, as on the source), and
    /// after a punch or zero-range every hole a punch and the written bytes of its edge
    /// pieces a write; a write's written extents (at most a FUSE request, 1 MiB) become a
    /// write of their bytes, since a write without delayed allocation (ext4 near full)
    /// allocates blocks of zeros before failing; written extents an allocation left alone are
    /// unchanged. Only
    /// modes every Linux filesystem has (KEEP_SIZE, PUNCH_HOLE) are used, so any replica
    /// can apply them. Without FIEMAP, the zero runs of a punch or zero-range are zeroed
    /// again (<see cref="ZeroedRanges"/>), which is exact for the bytes.
    /// </summary>
    private static void WriteRangeState(TransactionWriter writer, in Change change, in NodeStat node, RecorderThread thread, long landed)
    {
        var length = change.Kind switch
        {
            ChangeKind.Write or ChangeKind.CopyFileRange => thread.IntendedBytes,
            _ => change.Length,
        };
        // A short write's bytes are recorded; what its failed rest allocated is the state here.
        var start = change.Offset + landed;
        var end = Math.Min((long)node.Size, change.Offset + length);
        if (end <= start)
            return;
        var zeroes = change.Kind == ChangeKind.Fallocate && (change.Flags & (PunchHole | ZeroRange)) != 0;
        var fd = BackingInspection.OpenForReading(change.NodeFd);
        if (fd < 0)
            return;
        try
        {
            if (FileExtents.In(fd, start, end) is not { } extents)
            {
                if (zeroes)
                {
                    foreach (var (offset, run) in ZeroedRanges.In(fd, change.Offset, end))
                        WriteFallocate(writer, in change, in node, thread, offset, run, change.Flags | KeepSize);
                }
                return;
            }
            var at = start;
            foreach (var extent in extents)
            {
                if (zeroes && extent.Offset > at)
                    WriteFallocate(writer, in change, in node, thread, at, extent.Offset - at, PunchHole | KeepSize);
                if (extent.Unwritten)
                {
                    WriteFallocate(writer, in change, in node, thread, extent.Offset, extent.Length, PunchHole | KeepSize);
                    WriteFallocate(writer, in change, in node, thread, extent.Offset, extent.Length, KeepSize);
                }
                else if (zeroes)
                {
                    WriteBytes(writer, in change, in node, thread, fd, extent.Offset, Math.Min(extent.End, change.Offset + EdgeSpan));
                    WriteBytes(writer, in change, in node, thread, fd, Math.Max(extent.Offset, Math.Max(end - EdgeSpan, change.Offset + EdgeSpan)), extent.End);
                }
                else if (change.Kind == ChangeKind.Write)
                {
                    // Without delayed allocation (ext4 near full) a write allocates written blocks of zeros before it fails.
                    WriteBytes(writer, in change, in node, thread, fd, extent.Offset, extent.End);
                }
                at = extent.End;
            }
            if (zeroes && at < end)
                WriteFallocate(writer, in change, in node, thread, at, end - at, PunchHole | KeepSize);
        }
        finally
        {
            BackingInspection.Close(fd);
        }
    }

    private static void WriteFallocate(TransactionWriter writer, in Change change, in NodeStat node, RecorderThread thread, long offset, long length, int mode)
    {
        WriteStart(writer, SubRecordType.Fallocate, in change, thread);
        writer.Push(SubRecordType.Redo);
        writer.WriteLeaf(SubRecordType.Offset, (ulong)offset);
        writer.WriteLeaf(SubRecordType.Length, (ulong)length);
        writer.WriteLeaf(SubRecordType.Flags, (uint)mode);
        writer.Pop();
        WriteEnd(writer, node);
    }

    /// <summary>A write of the file's bytes in [<paramref name="from"/>, <paramref name="to"/>), when that is not empty.</summary>
    private static void WriteBytes(TransactionWriter writer, in Change change, in NodeStat node, RecorderThread thread, int fd, long from, long to)
    {
        if (to <= from)
            return;
        WriteStart(writer, SubRecordType.Write, in change, thread);
        writer.Push(SubRecordType.Redo);
        writer.WriteLeaf(SubRecordType.Offset, (ulong)from);
        PriorState.WriteDataLeaf(writer, fd, from, to - from);
        writer.Pop();
        WriteEnd(writer, node);
    }
}
