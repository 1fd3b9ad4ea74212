using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
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
/// setattr, after the allocation and zeroed bytes the failure left in its range
/// (<see cref="WriteRangeState"/>). Failures are rare, so
/// reading the file's times here costs nothing that matters (see <see cref="ResultWriter"/>
/// for why a successful write does not read them).
/// </summary>
/// <remarks>
/// A kill between the abort and the new transaction loses the record of what the failed
/// change left (times, at worst the bytes of a short write the application was never told
/// of). The new transaction has no UNDO: what the change overwrote was read for the aborted
/// one and is gone from the file.
/// </remarks>
internal static partial class PartialChanges
{
    private const int Overhead = 1024;

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
            WriteRangeState(writer, in change, in node, thread, landed);
            return writer.Commit();
        }
        if (change.Kind is ChangeKind.Write or ChangeKind.CopyFileRange or ChangeKind.Fallocate)
            WriteRangeState(writer, in change, in node, thread, 0);
        WriteStart(writer, SubRecordType.SetAttr, in change, thread);
        writer.Push(SubRecordType.Redo);
        AttributeLeaves.WriteNode(writer, node, withCtime: false);
        writer.Pop();
        WriteEnd(writer, node);
        return writer.Commit();
    }

    private static void WriteStart(TransactionWriter writer, SubRecordType operation, in Change change, RecorderThread thread)
    {
        OperationStart.Write(thread, operation, change.Caller);
        writer.WriteLeaf(SubRecordType.Path, thread.Path.Path);
    }

    /// <summary>The RESULT, with the file as it is now, and the end of the operation.</summary>
    private static void WriteEnd(TransactionWriter writer, in NodeStat node)
    {
        ResultWriter.WriteNodeResult(writer, node);
        writer.Pop();
    }
}
