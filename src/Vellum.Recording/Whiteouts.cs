using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// The whiteout a renameat2(RENAME_WHITEOUT) leaves at the old name: a character device
/// 0:0 the filesystem creates with its own owner and times. The rename's RESULT describes
/// the moved node, so the whiteout goes into the same transaction as a second operation,
/// a mknod of the old name with REDO ATTR {MODE, UID, GID} and RESULT {INODE, ATTR,
/// DIR_MTIME}: a replica's rename creates the whiteout, and the mknod (a creation of an
/// existing node of that type, so a no-op) makes its owner, mode and times the source's.
/// Both are in the END record, so no replica sees the rename without them.
/// </summary>
internal static class Whiteouts
{
    private const int CharacterDevice = 0x2000;
    private const int FileTypeMask = 0xF000;

    /// <summary>
    /// The most the mknod takes: operation, TIME and CRED (<see cref="OperationStart.MaxPayload"/>), PATH 8 + the path padded,
    /// REDO with ATTR {MODE, UID, GID} 72, a RESULT (<see cref="ResultWriter.MaxPayload"/>).
    /// </summary>
    public static int MaxPayload(int pathLength) => OperationStart.MaxPayload + 8 + ((Math.Max(pathLength, 0) + 7) & ~7) + 72 + ResultWriter.MaxPayload;

    public static bool Leaves(in Change change) =>
        change.Kind == ChangeKind.Rename && ((RenameFlags)change.Flags & RenameFlags.Whiteout) != 0;

    /// <summary>Writes the whiteout's mknod after the rename's operation, when it has a PATH and is there.</summary>
    public static void Write(RecorderThread thread, in Change change)
    {
        if (thread.PathLength < 0
            || BackingInspection.StatAt(change.ParentFd, change.Name, out var whiteout) != Errno.Success
            || (whiteout.Mode & FileTypeMask) != CharacterDevice || whiteout.Rdev != 0)
            return;
        var writer = thread.Writer;
        OperationStart.Write(thread, SubRecordType.Mknod, change.Caller);
        writer.WriteLeaf(SubRecordType.Path, thread.Path.Path);
        writer.Push(SubRecordType.Redo);
        writer.Push(SubRecordType.Attr);
        writer.WriteLeaf(SubRecordType.Mode, whiteout.Mode);
        writer.WriteLeaf(SubRecordType.Uid, whiteout.Uid);
        writer.WriteLeaf(SubRecordType.Gid, whiteout.Gid);
        writer.Pop();
        writer.Pop();
        ResultWriter.WriteCreated(writer, whiteout, change.ParentFd);
        writer.Pop();
    }
}
