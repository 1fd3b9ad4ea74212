using System.Text;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>Operations on a node's content and attributes; each sets a state, so re-applying it changes nothing.</summary>
public sealed partial class JournalApplier
{
    private const int FileFlags = LibCConstants.OWrOnly | LibCConstants.ONoFollow | LibCConstants.ONonBlock | LibCConstants.ONoCtty | LibCConstants.OCloExec;

    private void Write(Step step, ulong id)
    {
        var path = step.Path!;
        var redo = step.Operation.Redo;
        if (redo?.Offset is not { } offset || redo.Data is not { } data)
            throw Failure(step, id, path, "carries no OFFSET and DATA");
        var fd = OpenRegularFile(step, id, path);
        try
        {
            WriteAll(step, id, path, fd, offset, data);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>pwrite of only the journaled bytes: a hole in the source stays a hole here.</summary>
    private static unsafe void WriteAll(Step step, ulong id, ReplicaPath path, int fd, ulong offset, ReadOnlyMemory<byte> data)
    {
        var done = 0;
        fixed (byte* bytes = data.Span)
        {
            while (done < data.Length)
            {
                var written = LibC.PWrite(fd, bytes + done, (nuint)(data.Length - done), (long)offset + done);
                if (written < 0)
                    throw Failure(step, id, path, LibC.LastError());
                done += (int)written;
            }
        }
    }

    private void Truncate(Step step, ulong id)
    {
        var path = step.Path!;
        var size = step.Operation.Redo?.Attributes?.Size ?? throw Failure(step, id, path, "carries no SIZE");
        TruncateFile(step, id, path, size);
    }

    private void TruncateFile(Step step, ulong id, ReplicaPath path, ulong size)
    {
        var fd = OpenRegularFile(step, id, path);
        try
        {
            if (LibC.FTruncate(fd, (long)size) != 0)
                throw Failure(step, id, path, LibC.LastError());
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private void Fallocate(Step step, ulong id)
    {
        var path = step.Path!;
        var redo = step.Operation.Redo;
        if (redo?.Offset is not { } offset || redo.Length is not { } length)
            throw Failure(step, id, path, "carries no OFFSET and LENGTH");
        var fd = OpenRegularFile(step, id, path);
        try
        {
            if (LibC.FAllocate(fd, (int)(redo.Flags ?? 0), (long)offset, (long)length) != 0)
                throw Failure(step, id, path, LibC.LastError());
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private void SetAttributes(Step step, ulong id)
    {
        if (step.IsRoot)
        {
            var rootAttributes = step.Operation.Redo?.Attributes ?? throw new MirrorApplyException(id, step.Name, RootShown, "carries no ATTR");
            if (rootAttributes.Size is not null)
                throw new MirrorApplyException(id, step.Name, RootShown, "gives the replica root, a directory, a size");
            SetRootNodeAttributes(step, id, rootAttributes);
            return;
        }
        var path = step.Path!;
        var attributes = step.Operation.Redo?.Attributes ?? throw Failure(step, id, path, "carries no ATTR");
        SetNodeAttributes(step, id, path, attributes.Uid, attributes.Gid, attributes.Mode, attributes.Atime, attributes.Mtime);
        if (attributes.Size is { } size)
            TruncateFile(step, id, path, size);
    }

    private unsafe void ChangeXattr(Step step, ulong id)
    {
        var shown = step.Path?.Text ?? RootShown;
        var redo = step.Operation.Redo;
        if (redo is null || redo.Xattrs.Count == 0)
            throw new MirrorApplyException(id, step.Name, shown, "carries no XATTR");
        var xattr = redo.Xattrs[0];
        var removing = step.Kind == Journal.Format.SubRecordType.RemoveXattr;
        if (!removing && xattr.Value is null)
            throw new MirrorApplyException(id, step.Name, shown, "carries no XATTR_VALUE");
        // The replica root's position xattr is the mirror's, not the source's (as for a baseline's ATTRS).
        if (step.IsRoot && xattr.Name.AsSpan().SequenceEqual(PositionXattr))
            return;
        byte[] name = [.. xattr.Name, 0];
        var value = xattr.Value ?? [];
        var node = step.IsRoot ? LibC.Dup(_root.Descriptor) : OpenNodePath(step, id, step.Path!);
        if (node < 0)
            throw new MirrorApplyException(id, step.Name, shown, LibC.LastError());
        try
        {
            var procPath = Encoding.ASCII.GetBytes($"/proc/self/fd/{node}\0");
            int result;
            fixed (byte* at = procPath)
            fixed (byte* n = name)
            fixed (byte* v = value)
            {
                // The CREATE / REPLACE flags are dropped: the state after the call is the
                // same either way, and with them a repeated call would fail.
                result = removing ? LibC.RemoveXattr(at, n) : LibC.SetXattr(at, n, v, (nuint)value.Length, 0);
            }
            if (result != 0 && !(removing && LibC.LastError() == Errno.ENODATA))
                throw new MirrorApplyException(id, step.Name, shown, LibC.LastError());
        }
        finally
        {
            LibC.Close(node);
        }
    }

    /// <summary>
    /// A writable descriptor of the regular file at <paramref name="path"/>. The type is checked
    /// before opening, so that a device node or FIFO in the replica is never opened: a journal
    /// could otherwise make one and write to a host device through it.
    /// </summary>
    private unsafe int OpenRegularFile(Step step, ulong id, ReplicaPath path)
    {
        using var parent = _root.OpenParent(path, id, step.Name);
        var errno = NodeInfo.Read(parent.Fd, path.Name, out var node);
        if (errno != Errno.Success)
            throw Failure(step, id, path, errno);
        if (node.Type != LibCConstants.SIfReg)
            throw Failure(step, id, path, "is not a regular file");
        int fd;
        fixed (byte* name = path.Name)
            fd = LibC.OpenAt(parent.Fd, name, FileFlags, 0);
        if (fd < 0)
            throw Failure(step, id, path, LibC.LastError());
        return fd;
    }

    /// <summary>An O_PATH descriptor of the node itself (a symlink is not followed), to reach it through /proc/self/fd.</summary>
    private unsafe int OpenNodePath(Step step, ulong id, ReplicaPath path)
    {
        using var parent = _root.OpenParent(path, id, step.Name);
        int fd;
        fixed (byte* name = path.Name)
            fd = LibC.OpenAt(parent.Fd, name, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        if (fd < 0)
            throw Failure(step, id, path, LibC.LastError());
        return fd;
    }
}
