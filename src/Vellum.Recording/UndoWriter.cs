using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// The UNDO group of a reversible journal: the state a change is about to destroy, read
/// before the syscall (docs/journal-format.md 3.3): overwritten bytes and the old size of a
/// write, the tail a truncate cuts, old attributes, an xattr's old value, and the object an
/// unlink, rmdir or rename removes when that was its last name.
/// </summary>
internal static class UndoWriter
{
    public static void Write(TransactionWriter writer, in Change change)
    {
        switch (change.Kind)
        {
            case ChangeKind.Write:
            case ChangeKind.CopyFileRange:
            case ChangeKind.Fallocate:
                WriteOverwritten(writer, change.NodeFd, change.Offset, change.Kind == ChangeKind.Write ? change.Data.Length : change.Length);
                break;
            case ChangeKind.Truncate:
                WriteOverwritten(writer, change.NodeFd, 0, long.MaxValue);
                break;
            case ChangeKind.SetAttr:
                if (BackingInspection.Stat(change.NodeFd, out var old) != Errno.Success)
                    return;
                writer.Push(SubRecordType.Undo);
                AttributeLeaves.WriteNode(writer, old);
                if (change.Attributes.Has(SetAttrFields.Size) && change.Attributes.Size < old.Size)
                    WriteRange(writer, change.NodeFd, (long)change.Attributes.Size, (long)old.Size - (long)change.Attributes.Size, withOffset: false);
                writer.Pop();
                break;
            case ChangeKind.SetXattr:
            case ChangeKind.RemoveXattr:
                writer.Push(SubRecordType.Undo);
                writer.Push(SubRecordType.Xattr);
                writer.WriteLeaf(SubRecordType.XattrName, change.XattrName);
                if (BackingInspection.Xattr(change.NodeFd, change.XattrName) is { } value)
                    writer.WriteLeaf(SubRecordType.XattrValue, value);
                writer.Pop();
                writer.Pop();
                break;
            case ChangeKind.Unlink:
            case ChangeKind.Rmdir:
                WriteRemoved(writer, change.ParentFd, change.Name);
                break;
            case ChangeKind.Rename when (change.Flags & 2) == 0:
                WriteRemoved(writer, change.NewParentFd, change.NewName);
                break;
        }
    }

    /// <summary>UNDO {ATTR {SIZE}, OFFSET, DATA}: the old size and the old bytes of [offset, offset + length) that exist.</summary>
    private static void WriteOverwritten(TransactionWriter writer, int nodeFd, long offset, long length)
    {
        if (BackingInspection.Stat(nodeFd, out var old) != Errno.Success)
            return;
        writer.Push(SubRecordType.Undo);
        writer.Push(SubRecordType.Attr);
        writer.WriteLeaf(SubRecordType.Size, old.Size);
        writer.Pop();
        var existing = Math.Max(0, Math.Min(length, (long)old.Size - offset));
        WriteRange(writer, nodeFd, offset, existing, withOffset: true);
        writer.Pop();
    }

    private static void WriteRange(TransactionWriter writer, int nodeFd, long offset, long length, bool withOffset)
    {
        if (withOffset)
            writer.WriteLeaf(SubRecordType.Offset, (ulong)offset);
        if (length <= 0)
            return;
        var fd = BackingInspection.OpenForReading(nodeFd);
        if (fd < 0)
            return;
        try
        {
            PriorState.WriteDataLeaf(writer, fd, offset, length);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>UNDO {ATTR, TARGET or DATA} of the entry a change removes, when it was the object's last name.</summary>
    private static void WriteRemoved(TransactionWriter writer, int directoryFd, ReadOnlySpan<byte> name)
    {
        if (BackingInspection.StatAt(directoryFd, name, out var victim) != Errno.Success)
            return;
        writer.Push(SubRecordType.Undo);
        AttributeLeaves.WriteNode(writer, victim);
        if (victim.IsSymlink && PriorState.SymlinkTarget(directoryFd, name) is { } target)
            writer.WriteLeaf(SubRecordType.Target, target);
        var isRegular = (victim.Mode & 0xF000) == 0x8000;
        if (isRegular && victim.Nlink == 1 && victim.Size > 0)
        {
            var fd = PriorState.OpenChildForReading(directoryFd, name);
            if (fd >= 0)
            {
                try
                {
                    PriorState.WriteDataLeaf(writer, fd, 0, (long)victim.Size);
                }
                finally
                {
                    LibC.Close(fd);
                }
            }
        }
        writer.Pop();
    }
}
