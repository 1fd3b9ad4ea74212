using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Content changes that failed, or did only part of what they asked, yet changed the backing
/// file. The transaction published before the syscall says what was asked; a replica must
/// get what happened instead. ext4 and tmpfs move a file's times (and drop set-id bits)
/// before a write fails with ENOSPC, a failed fallocate can leave part of its range allocated
/// and the size grown, and a short write or copy wrote only its first bytes. So such a
/// transaction is aborted and a new one records what the backing file now holds: the bytes
/// that landed, as a write, or, after a failure, the file's attributes as they are now, as a
/// setattr (after a fallocate of what a failed fallocate allocated, or of every part of a
/// failed punch-hole or zero-range that reads as zeros). Failures are rare, so
/// reading the file's times here costs nothing that matters (see <see cref="ResultWriter"/>
/// for why a successful write does not read them).
/// </summary>
/// <remarks>
/// A kill between the abort and the new transaction loses the record of what the failed
/// change left (times, at worst the bytes of a short write the application was never told
/// of). The new transaction has no UNDO: what the change overwrote was read for the aborted
/// one and is gone from the file.
/// </remarks>
internal static class PartialChanges
{
    private const int Overhead = 1024;
    private const int KeepSize = 0x01;
    private const int PunchHole = 0x02;
    private const int ZeroRange = 0x10;

    /// <summary>Whether the change's published transaction does not say what the backing file now holds.</summary>
    public static bool DiffersFromIntent(in Change change, in ChangeOutcome outcome, RecorderThread thread)
    {
        if (outcome.Result != Errno.Success)
        {
            return change.Kind is ChangeKind.Write or ChangeKind.CopyFileRange or ChangeKind.Fallocate or ChangeKind.Truncate
                || (change.Kind == ChangeKind.SetAttr && change.Attributes.Has(SetAttrFields.Size));
        }
        return change.Kind is ChangeKind.Write or ChangeKind.CopyFileRange && outcome.Count < thread.IntendedBytes;
    }

    /// <summary>
    /// Aborts the change's transaction and records what it did in a new one; returns the FIFO
    /// position after it, or null when there was nothing a replica can get (the file has no
    /// name) or no room (the journal's disk is full, and the recorder refuses changes anyway).
    /// </summary>
    public static ulong? Record(RecorderThread thread, in Change change, in ChangeOutcome outcome)
    {
        var writer = thread.Writer;
        writer.Abort();
        if (thread.PathLength < 0 || BackingInspection.Stat(change.NodeFd, out var node) != Errno.Success)
            return null;
        var landed = outcome.Result == Errno.Success ? outcome.Count : 0;
        try
        {
            writer.Begin(Overhead + 2 * thread.PathLength + landed);
        }
        catch (SinkFullException)
        {
            return null;
        }
        if (landed > 0)
        {
            WriteStart(writer, SubRecordType.Write, in change, thread);
            writer.Push(SubRecordType.Redo);
            writer.WriteLeaf(SubRecordType.Offset, (ulong)change.Offset);
            if (change.Kind == ChangeKind.Write)
                writer.WriteLeaf(SubRecordType.Data, change.Data[..(int)landed]);
            else
                PriorState.WriteDataLeaf(writer, change.SourceFd, change.SourceOffset, landed);
            writer.Pop();
            WriteEnd(writer, node);
            return writer.Commit();
        }
        if (change.Kind == ChangeKind.Fallocate && AllocatedBeforeFailing(in change, in node, thread) is { } allocated)
        {
            WriteStart(writer, SubRecordType.Fallocate, in change, thread);
            writer.Push(SubRecordType.Redo);
            writer.WriteLeaf(SubRecordType.Offset, (ulong)change.Offset);
            writer.WriteLeaf(SubRecordType.Length, (ulong)allocated);
            writer.WriteLeaf(SubRecordType.Flags, 0u);
            writer.Pop();
            WriteEnd(writer, node);
        }
        if (change.Kind == ChangeKind.Fallocate && (change.Flags & (PunchHole | ZeroRange)) != 0)
        {
            // Only zeros: the failure may have zeroed any of these, and zeroing them again is exact.
            foreach (var (offset, length) in ZeroedRanges.In(change.NodeFd, change.Offset, Math.Min((long)node.Size, change.Offset + change.Length)))
            {
                WriteStart(writer, SubRecordType.Fallocate, in change, thread);
                writer.Push(SubRecordType.Redo);
                writer.WriteLeaf(SubRecordType.Offset, (ulong)offset);
                writer.WriteLeaf(SubRecordType.Length, (ulong)length);
                writer.WriteLeaf(SubRecordType.Flags, (uint)(change.Flags | KeepSize));
                writer.Pop();
                WriteEnd(writer, node);
            }
        }
        WriteStart(writer, SubRecordType.SetAttr, in change, thread);
        writer.Push(SubRecordType.Redo);
        AttributeLeaves.WriteNode(writer, node, withCtime: false);
        writer.Pop();
        WriteEnd(writer, node);
        return writer.Commit();
    }

    /// <summary>
    /// The length from its offset that a failed fallocate of mode 0 left allocated, when it
    /// grew the file: ext4 allocates in order, growing the size as it goes, and keeps what it
    /// got when space runs out; so everything from the offset to the new size is allocated.
    /// (The allocation shows as data once read, as unwritten extents do.) Null when the size
    /// did not grow, and for other modes: what such a failure allocated cannot be told from
    /// outside, and it is recorded by its attributes only.
    /// </summary>
    private static long? AllocatedBeforeFailing(in Change change, in NodeStat node, RecorderThread thread)
    {
        var end = Math.Min((long)node.Size, change.Offset + change.Length);
        return change.Flags == 0 && (long)node.Size > thread.SizeBefore && end > change.Offset ? end - change.Offset : null;
    }

    private static void WriteStart(TransactionWriter writer, SubRecordType operation, in Change change, RecorderThread thread)
    {
        writer.Push(operation);
        writer.WriteLeaf(SubRecordType.Time, JournalTimestamp.Now());
        writer.Push(SubRecordType.Cred);
        writer.WriteLeaf(SubRecordType.Uid, change.Caller.Uid);
        writer.WriteLeaf(SubRecordType.Gid, change.Caller.Gid);
        writer.WriteLeaf(SubRecordType.Pid, change.Caller.Pid);
        writer.Pop();
        writer.WriteLeaf(SubRecordType.Path, thread.Path.AsSpan(0, thread.PathLength));
    }

    /// <summary>The RESULT, with the file as it is now, and the end of the operation.</summary>
    private static void WriteEnd(TransactionWriter writer, in NodeStat node)
    {
        ResultWriter.WriteNodeResult(writer, node);
        writer.Pop();
    }
}
