using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>Operations on names: each accepts the state it would itself leave, so re-applying it changes nothing.</summary>
public sealed partial class JournalApplier
{
    private unsafe void CreateFile(Step step, ulong id)
    {
        var path = step.Path!;
        using var parent = _root.OpenParent(path, id, step.Name);
        var errno = NodeInfo.Read(parent.Fd, path.Name, out var existing);
        int flags;
        if (errno == Errno.ENOENT)
            flags = LibCConstants.OCreat | LibCConstants.OExcl;
        else if (errno != Errno.Success)
            throw Failure(step, id, path, errno);
        else if (existing.Type == LibCConstants.SIfReg)
            flags = LibCConstants.OTrunc; // applied before: the state right after a create is an empty file
        else
            throw Failure(step, id, path, "exists and is not a regular file");
        int fd;
        fixed (byte* name = path.Name)
            fd = LibC.OpenAt(parent.Fd, name, flags | LibCConstants.OWrOnly | LibCConstants.ONoFollow | LibCConstants.ONonBlock | LibCConstants.ONoCtty | LibCConstants.OCloExec, 0x180);
        if (fd < 0)
            throw Failure(step, id, path, LibC.LastError());
        LibC.Close(fd);
    }

    private unsafe void MakeDirectory(Step step, ulong id)
    {
        var path = step.Path!;
        using var parent = _root.OpenParent(path, id, step.Name);
        int result;
        fixed (byte* name = path.Name)
            result = LibC.MkdirAt(parent.Fd, name, 0x1C0);
        if (result != 0)
            AcceptExisting(step, id, parent, path, LibCConstants.SIfDir, _ => true);
    }

    private unsafe void MakeNode(Step step, ulong id)
    {
        var path = step.Path!;
        var mode = CreationAttributes(step.Operation)?.Mode ?? throw Failure(step, id, path, "carries no MODE");
        var type = mode & LibCConstants.SIfMt;
        var rdev = step.Operation.Redo?.Attributes?.Rdev ?? step.Operation.Result?.Attributes?.Rdev ?? 0;
        using var parent = _root.OpenParent(path, id, step.Name);
        int result;
        fixed (byte* name = path.Name)
            result = LibC.MknodAt(parent.Fd, name, type | 0x180, rdev);
        if (result != 0)
            AcceptExisting(step, id, parent, path, type, node => node.Rdev == rdev || type is not (LibCConstants.SIfChr or LibCConstants.SIfBlk));
    }

    private unsafe void MakeSymlink(Step step, ulong id)
    {
        var path = step.Path!;
        var target = step.Operation.Redo?.Target ?? throw Failure(step, id, path, "carries no TARGET");
        if (target.Length == 0 || target.AsSpan().Contains((byte)0))
            throw Failure(step, id, path, "has an empty target or one with a NUL byte");
        byte[] terminated = [.. target, 0];
        using var parent = _root.OpenParent(path, id, step.Name);
        int result;
        fixed (byte* name = path.Name)
        fixed (byte* to = terminated)
            result = LibC.SymlinkAt(to, parent.Fd, name);
        if (result != 0)
            AcceptExisting(step, id, parent, path, LibCConstants.SIfLnk, _ => ReadLink(parent.Fd, path.Name).AsSpan().SequenceEqual(target));
    }

    /// <summary>After a failed creation: fine when the name holds what the operation makes (it was applied before).</summary>
    private static void AcceptExisting(Step step, ulong id, DirectoryHandle parent, ReplicaPath path, uint type, Func<NodeInfo, bool> same)
    {
        var errno = LibC.LastError();
        if (errno != Errno.EEXIST)
            throw Failure(step, id, path, errno);
        if (NodeInfo.Read(parent.Fd, path.Name, out var existing) != Errno.Success || existing.Type != type || !same(existing))
            throw Failure(step, id, path, "exists and is not what the operation created");
    }

    private unsafe void Link(Step step, ulong id)
    {
        var (from, to) = (step.Path!, step.Path2!);
        using var toParent = _root.OpenParent(to, id, step.Name);
        var fromErrno = _root.TryOpenParent(from, id, out var fromParent);
        using (fromParent)
        {
            int result = -1;
            if (fromErrno == Errno.Success)
            {
                fixed (byte* oldName = from.Name)
                fixed (byte* newName = to.Name)
                    result = LibC.LinkAt(fromParent.Fd, oldName, toParent.Fd, newName, 0);
            }
            if (result == 0)
                return;
            var errno = fromErrno != Errno.Success ? fromErrno : LibC.LastError();
            var targetErrno = NodeInfo.Read(toParent.Fd, to.Name, out var target);
            if (errno == Errno.ENOENT && targetErrno == Errno.Success)
                return; // applied before, and the old name went away later in the transaction
            if (errno == Errno.EEXIST && NodeInfo.Read(fromParent.Fd, from.Name, out var source) == Errno.Success
                && source.Device == target.Device && source.Inode == target.Inode)
                return; // applied before
            throw Failure(step, id, to, errno);
        }
    }

    private unsafe void Remove(Step step, ulong id)
    {
        var path = step.Path!;
        var errno = _root.TryOpenParent(path, id, out var parent);
        using (parent)
        {
            if (errno == Errno.Success)
            {
                int result;
                fixed (byte* name = path.Name)
                    result = LibC.UnlinkAt(parent.Fd, name, step.Kind == Journal.Format.SubRecordType.Rmdir ? LibCConstants.AtRemoveDir : 0);
                errno = result == 0 ? Errno.Success : LibC.LastError();
            }
            if (errno is not Errno.Success and not Errno.ENOENT) // ENOENT: removed before
                throw Failure(step, id, path, errno);
        }
    }

    private static unsafe byte[] ReadLink(int dirFd, byte[] name)
    {
        var buffer = new byte[4097];
        nint length;
        fixed (byte* p = name)
        fixed (byte* b = buffer)
            length = LibC.ReadlinkAt(dirFd, p, b, (nuint)buffer.Length);
        return length < 0 ? [] : buffer[..(int)length];
    }

    /// <summary>The attributes a creation gives its node: RESULT's (what the source really made) over REDO's (what was asked).</summary>
    private static NodeAttributes? CreationAttributes(JournalOperation operation)
    {
        var result = operation.Result?.Attributes;
        var redo = operation.Redo?.Attributes;
        if (result is null || redo is null)
            return result ?? redo;
        return new NodeAttributes
        {
            Mode = result.Mode ?? redo.Mode,
            Uid = result.Uid ?? redo.Uid,
            Gid = result.Gid ?? redo.Gid,
            Size = result.Size,
            Atime = result.Atime ?? redo.Atime,
            Mtime = result.Mtime ?? redo.Mtime,
            Rdev = result.Rdev ?? redo.Rdev,
        };
    }
}
