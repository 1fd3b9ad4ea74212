using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Writes the first part of a change's transaction, before the syscall runs: the operation
/// header (its size left unknown, the RESULT will close it), TIME, CRED, PATH, PATH2,
/// INODE where a name is about to move, REDO and, reversible, UNDO; then publishes it.
/// Layout per operation: docs/journal-format.md 3.4.
/// </summary>
internal static class IntentWriter
{
    private const int IntentOverhead = 256;

    /// <param name="pathLimit">The longest PATH the journal holds (its format version's limit).</param>
    /// <exception cref="PathTooLongException">A path is longer than the journal holds; nothing was written.</exception>
    public static void Write(RecorderThread thread, in Change change, BackingPaths paths, bool reversible, int pathLimit)
    {
        var kind = change.Kind;
        var hasPath = Checked(ResolvePath(in change, paths, thread.Path), thread.Path, pathLimit);
        var hasPath2 = Checked(ResolvePath2(in change, paths, thread.Path2), thread.Path2, pathLimit);
        thread.PathLength = hasPath ? thread.Path.Length : -1;
        thread.IntendedBytes = change.Data.Length;
        var writer = thread.Writer;
        writer.Begin(IntentOverhead + (hasPath ? thread.Path.Length : 0) + (hasPath2 ? thread.Path2.Length : 0) + change.Data.Length);
        OperationStart.Write(thread, ChangeTypes.OperationOf(kind), change.Caller);
        if (hasPath)
            writer.WriteLeaf(SubRecordType.Path, thread.Path.Path);
        if (hasPath2)
            writer.WriteLeaf(SubRecordType.Path2, thread.Path2.Path);
        thread.Moved = MovedNode(in change);
        if (thread.Moved is { } moved)
            writer.WriteLeaf(SubRecordType.Inode, moved.Ino);
        WriteRedo(thread, in change);
        if (reversible)
            UndoWriter.Write(writer, in change);
        writer.Publish(ResultWriter.MaxPayload + (Whiteouts.Leaves(in change) ? Whiteouts.MaxPayload(thread.PathLength) : 0));
    }

    private static PathLookup ResolvePath(in Change change, BackingPaths paths, PathBuffer buffer) =>
        ChangeTypes.IsEntryChange(change.Kind)
            ? paths.FindChild(change.ParentFd, change.Name, buffer)
            : paths.Find(change.NodeFd, buffer, change.Node);

    private static PathLookup ResolvePath2(in Change change, BackingPaths paths, PathBuffer buffer) => change.Kind switch
    {
        ChangeKind.Rename => paths.FindChild(change.NewParentFd, change.NewName, buffer),
        ChangeKind.Link => paths.FindChild(change.ParentFd, change.Name, buffer),
        _ => PathLookup.Nameless,
    };

    /// <summary>Whether the node has a path (in <paramref name="buffer"/>): none when it has no name under the root.</summary>
    private static bool Checked(PathLookup found, PathBuffer buffer, int limit) => found switch
    {
        PathLookup.Found when buffer.Length <= limit => true,
        PathLookup.Nameless => false,
        _ => throw new PathTooLongException(
            $"a path of {(found == PathLookup.TooLong ? $"more than {JournalLimits.MaxPathLength}" : buffer.Length)} bytes is longer than this journal holds ({limit})"),
    };

    /// <summary>
    /// The inode whose name a rename, link, unlink or rmdir is about to change: what lets
    /// recovery tell, after a kill, whether the change took effect.
    /// </summary>
    private static NodeStat? MovedNode(in Change change)
    {
        NodeStat stat = default;
        var error = change.Kind switch
        {
            ChangeKind.Rename or ChangeKind.Unlink or ChangeKind.Rmdir => BackingInspection.StatAt(change.ParentFd, change.Name, out stat),
            ChangeKind.Link => BackingInspection.Stat(change.NodeFd, out stat),
            _ => Errno.ENOENT,
        };
        return error == Errno.Success ? stat : null;
    }

    private static void WriteRedo(RecorderThread thread, in Change change)
    {
        var writer = thread.Writer;
        switch (change.Kind)
        {
            case ChangeKind.Create:
            case ChangeKind.Mkdir:
            case ChangeKind.Mknod:
                writer.Push(SubRecordType.Redo);
                writer.Push(SubRecordType.Attr);
                writer.WriteLeaf(SubRecordType.Mode, change.Mode);
                writer.WriteLeaf(SubRecordType.Uid, change.Caller.Uid);
                writer.WriteLeaf(SubRecordType.Gid, change.Caller.Gid);
                if (change.Kind == ChangeKind.Mknod)
                    writer.WriteLeaf(SubRecordType.Rdev, (ulong)change.Rdev);
                writer.Pop();
                writer.Pop();
                break;
            case ChangeKind.Symlink:
                writer.Push(SubRecordType.Redo);
                writer.Push(SubRecordType.Attr);
                writer.WriteLeaf(SubRecordType.Uid, change.Caller.Uid);
                writer.WriteLeaf(SubRecordType.Gid, change.Caller.Gid);
                writer.Pop();
                writer.WriteLeaf(SubRecordType.Target, change.Data);
                writer.Pop();
                break;
            case ChangeKind.Rename:
                writer.Push(SubRecordType.Redo);
                writer.WriteLeaf(SubRecordType.Flags, (uint)change.Flags);
                writer.Pop();
                break;
            case ChangeKind.Write:
                writer.Push(SubRecordType.Redo);
                writer.WriteLeaf(SubRecordType.Offset, (ulong)change.Offset);
                writer.WriteLeaf(SubRecordType.Data, change.Data);
                writer.Pop();
                break;
            case ChangeKind.CopyFileRange:
                thread.IntendedBytes = WriteCopiedBytes(writer, in change);
                break;
            case ChangeKind.Truncate:
                writer.Push(SubRecordType.Redo);
                writer.Push(SubRecordType.Attr);
                writer.WriteLeaf(SubRecordType.Size, 0UL);
                writer.Pop();
                writer.Pop();
                break;
            case ChangeKind.SetAttr:
                writer.Push(SubRecordType.Redo);
                AttributeLeaves.WriteRequested(writer, change.Attributes);
                writer.Pop();
                break;
            case ChangeKind.SetXattr:
            case ChangeKind.RemoveXattr:
                writer.Push(SubRecordType.Redo);
                if (change.Kind == ChangeKind.SetXattr)
                    writer.WriteLeaf(SubRecordType.Flags, (uint)change.Flags);
                writer.Push(SubRecordType.Xattr);
                writer.WriteLeaf(SubRecordType.XattrName, change.XattrName);
                if (change.Kind == ChangeKind.SetXattr)
                    writer.WriteLeaf(SubRecordType.XattrValue, change.Data);
                writer.Pop();
                writer.Pop();
                break;
            case ChangeKind.Fallocate:
                writer.Push(SubRecordType.Redo);
                writer.WriteLeaf(SubRecordType.Offset, (ulong)change.Offset);
                writer.WriteLeaf(SubRecordType.Length, (ulong)change.Length);
                writer.WriteLeaf(SubRecordType.Flags, (uint)change.Flags);
                writer.Pop();
                break;
        }
    }

    /// <summary>
    /// copy_file_range is journaled as the write it amounts to: the source's bytes, read now
    /// (under the destination's lock; the source is another file, so a concurrent writer to
    /// it could make the copy differ, which a replica would not notice).
    /// </summary>
    private static long WriteCopiedBytes(TransactionWriter writer, in Change change)
    {
        writer.Push(SubRecordType.Redo);
        writer.WriteLeaf(SubRecordType.Offset, (ulong)change.Offset);
        var available = BackingInspection.Stat(change.SourceFd, out var source) == Errno.Success
            ? Math.Max(0, (long)source.Size - change.SourceOffset)
            : 0;
        var length = Math.Min(change.Length, available);
        PriorState.WriteDataLeaf(writer, change.SourceFd, change.SourceOffset, length);
        writer.Pop();
        return length;
    }
}
