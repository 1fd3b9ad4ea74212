using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// Making metadata exact after each operation: the node gets RESULT's owner, mode and times,
/// then the directories whose entries changed get RESULT's directory mtimes. The syscalls
/// that applied the operation set the replica's own clock's times; these set the source's.
/// </summary>
public sealed partial class JournalApplier
{
    private void FixMetadata(Step step, ulong id)
    {
        // A baseline carries no RESULT: its ATTRS are its own state, set when it was applied.
        if (step.Kind == SubRecordType.Baseline)
            return;
        var operation = step.Operation;
        var node = step.Kind is SubRecordType.Rename or SubRecordType.Link ? step.Path2 : step.Path;
        var attributes = step.Kind is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink
            ? CreationAttributes(operation)
            : operation.Result?.Attributes;
        if (step.IsRoot && attributes is not null)
            SetRootNodeAttributes(step, id, attributes);
        if (node is not null && attributes is not null && step.Kind is not (SubRecordType.Unlink or SubRecordType.Rmdir))
            SetNodeAttributes(step, id, node, attributes.Uid, attributes.Gid, attributes.Mode, attributes.Atime, attributes.Mtime);
        if (operation.Result?.DirMtime is { } dirMtime && step.Path is { } path)
            SetDirectoryMtime(step, id, path, dirMtime);
        if (operation.Result?.Dir2Mtime is { } dir2Mtime && step.Path2 is { } path2)
            SetDirectoryMtime(step, id, path2, dir2Mtime);
    }

    /// <summary>
    /// Owner first, since chown clears set-user-ID and set-group-ID bits that the mode then
    /// sets again (and a security.capability xattr, which <paramref name="exactXattrs"/> then
    /// sets again); the mode is left alone on a symlink (Linux has no symlink modes). With
    /// <paramref name="exactXattrs"/>, the node's xattrs become exactly those; the times come
    /// last.
    /// </summary>
    private unsafe void SetNodeAttributes(Step step, ulong id, ReplicaPath path, uint? uid, uint? gid, uint? mode, JournalTimestamp? atime, JournalTimestamp? mtime,
        IReadOnlyList<ExtendedAttribute>? exactXattrs = null)
    {
        using var parent = _root.OpenParent(path, id, step.Name);
        var errno = NodeInfo.Read(parent.Fd, path.Name, out var node);
        if (errno != Errno.Success)
            throw Failure(step, id, path, errno);
        fixed (byte* name = path.Name)
        {
            if ((uid is not null || gid is not null)
                && LibC.FChownAt(parent.Fd, name, uid ?? uint.MaxValue, gid ?? uint.MaxValue, LibCConstants.AtSymlinkNoFollow) != 0)
                throw Failure(step, id, path, LibC.LastError());
            // Not a symlink (checked above, and nothing else changes the replica), so no final symlink is followed.
            if (mode is { } bits && !node.IsSymlink && LibC.FChmodAt(parent.Fd, name, bits & LibCConstants.PermissionBits, 0) != 0)
                throw Failure(step, id, path, LibC.LastError());
            if (exactXattrs is not null)
                SetXattrsExactly(step, id, parent.Fd, path, node, exactXattrs);
            if (atime is null && mtime is null)
                return;
            var times = stackalloc TimeSpec[2] { Time(atime), Time(mtime) };
            if (LibC.UtimensAt(parent.Fd, name, times, LibCConstants.AtSymlinkNoFollow) != 0)
                throw Failure(step, id, path, LibC.LastError());
        }
    }

    /// <summary>Sets the mtime of the directory holding <paramref name="path"/>, keeping its atime.</summary>
    private unsafe void SetDirectoryMtime(Step step, ulong id, ReplicaPath path, JournalTimestamp mtime)
    {
        using var parent = _root.OpenParent(path, id, step.Name);
        var times = stackalloc TimeSpec[2] { Time(null), Time(mtime) };
        if (LibC.FUtimens(parent.Fd, times) != 0)
            throw Failure(step, id, path, LibC.LastError());
    }

    private static TimeSpec Time(JournalTimestamp? time) => time is { } t
        ? new TimeSpec { Seconds = t.Seconds, Nanoseconds = t.Nanoseconds }
        : new TimeSpec { Nanoseconds = LibCConstants.UtimeOmit };
}
