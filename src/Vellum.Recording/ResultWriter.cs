using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Writes the RESULT group that ends a change's transaction after the syscall succeeded:
/// the node's inode and attributes as the change left them, and the modification times
/// of the directories whose entries it changed, so a replay reproduces times exactly.
/// </summary>
internal static class ResultWriter
{
    /// <summary>
    /// The most payload a RESULT takes with its closing of the operation: group 8, INODE 16,
    /// ATTR 8 + 4 x 16 + 3 x 24 + 16, two directory times 2 x 24, a pad leaf 8. Reserved
    /// up front so the RESULT goes out in the END record whole: recovery reads a transaction
    /// with an operation and no RESULT as "the syscall may have run".
    /// </summary>
    public const int MaxPayload = 8 + 16 + (8 + 4 * 16 + 3 * 24 + 16) + 2 * 24 + 8;

    public static void Write(TransactionWriter writer, in Change change, in ChangeOutcome outcome)
    {
        writer.Push(SubRecordType.Result);
        switch (change.Kind)
        {
            case ChangeKind.Create:
            case ChangeKind.Mkdir:
            case ChangeKind.Mknod:
            case ChangeKind.Symlink:
                WriteNode(writer, outcome.Attributes);
                WriteDirectoryTime(writer, SubRecordType.DirMtime, change.ParentFd);
                break;
            case ChangeKind.Link:
                WriteNode(writer, outcome.Attributes);
                WriteDirectoryTime(writer, SubRecordType.Dir2Mtime, change.ParentFd);
                break;
            case ChangeKind.Unlink:
            case ChangeKind.Rmdir:
                WriteDirectoryTime(writer, SubRecordType.DirMtime, change.ParentFd);
                break;
            case ChangeKind.Rename:
                if (BackingInspection.StatAt(change.NewParentFd, change.NewName, out var moved) == Errno.Success)
                    WriteNode(writer, moved);
                WriteDirectoryTime(writer, SubRecordType.DirMtime, change.ParentFd);
                WriteDirectoryTime(writer, SubRecordType.Dir2Mtime, change.NewParentFd);
                break;
            case ChangeKind.SetAttr:
                WriteNode(writer, outcome.Attributes);
                break;
            case ChangeKind.Write when (change.Flags & LibCConstants.OSyncMetadata) == 0:
                // The recorder stamps the time itself rather than read it: see StampWritten.
                // Under O_SYNC the time must be durable with the write, so it is read instead.
                if (BackingInspection.StampWritten(change.HandleFd, change.NodeFd, out var written) == Errno.Success)
                    WriteNode(writer, written, withCtime: false);
                else if (BackingInspection.Stat(change.NodeFd, out var read) == Errno.Success)
                    WriteNode(writer, read);
                break;
            default:
                if (BackingInspection.Stat(change.NodeFd, out var node) == Errno.Success)
                    WriteNode(writer, node);
                break;
        }
        writer.Pop();
    }

    /// <summary>A RESULT with the node's inode and all its attributes as read.</summary>
    public static void WriteNodeResult(TransactionWriter writer, in NodeStat stat)
    {
        writer.Push(SubRecordType.Result);
        WriteNode(writer, stat);
        writer.Pop();
    }

    /// <summary>The RESULT of a node created in <paramref name="parentFd"/>, as a creation's.</summary>
    public static void WriteCreated(TransactionWriter writer, in NodeStat created, int parentFd)
    {
        writer.Push(SubRecordType.Result);
        WriteNode(writer, created);
        WriteDirectoryTime(writer, SubRecordType.DirMtime, parentFd);
        writer.Pop();
    }

    private static void WriteNode(TransactionWriter writer, in NodeStat stat, bool withCtime = true)
    {
        writer.WriteLeaf(SubRecordType.Inode, stat.Ino);
        AttributeLeaves.WriteNode(writer, stat, withCtime);
    }

    private static void WriteDirectoryTime(TransactionWriter writer, SubRecordType type, int directoryFd)
    {
        if (BackingInspection.Stat(directoryFd, out var directory) == Errno.Success)
            writer.WriteLeaf(type, AttributeLeaves.Of(directory.Mtime));
    }
}
