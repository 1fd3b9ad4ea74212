using Vellum.Native;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>Attributes, symlink targets, access checks and filesystem figures.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    /// <summary>
    /// Applies <paramref name="request"/> (mode, owner, size, times in that order, stopping at
    /// the first error) and returns the attributes after it.
    /// </summary>
    public Errno SetAttr(in Caller caller, ulong node, in SetAttrRequest request, out NodeStat stat)
    {
        stat = default;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        OpenFile? file = null;
        if (request.Has(SetAttrFields.Handle) && !_files.TryGet(request.Handle, out file))
        {
            return Errno.EBADF;
        }
        var change = new Change
        {
            Kind = ChangeKind.SetAttr,
            Caller = caller,
            Node = n.Id,
            NodeFd = n.Fd,
            Handle = file is null ? 0 : request.Handle,
            HandleFd = file?.Fd ?? -1,
            Attributes = request,
        };
        var refused = ChangeScope.Begin(_recorder, in change, n.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        var error = ApplyAttributes(in n, file, in request);
        if (error == Errno.Success)
        {
            error = BackingStat.Of(n.Fd, out stat);
        }
        return scope.End(in change, new ChangeOutcome(error, n.Id, stat, 0));
    }

    /// <summary>Copies the target of symlink <paramref name="node"/> into <paramref name="target"/> (PATH_MAX bytes hold any).</summary>
    public Errno ReadLink(ulong node, Span<byte> target, out int length)
    {
        length = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        if (!n.IsSymlink)
        {
            // readlinkat with an empty path says ENOENT for a non-symlink; readlink(2) on one says EINVAL.
            return Errno.EINVAL;
        }
        byte empty = 0;
        nint result;
        fixed (byte* p = target)
        {
            result = LibC.ReadlinkAt(n.Fd, &empty, p, (nuint)target.Length);
        }
        if (result < 0)
        {
            return LibC.LastError();
        }
        length = (int)result;
        return Errno.Success;
    }

    /// <summary>
    /// access(2) for the caller against the node's mode bits: R_OK 4, W_OK 2, X_OK 1, F_OK 0.
    /// Only the caller's primary group counts (its supplementary groups are not known), which
    /// is why mounts use default_permissions and the kernel rarely asks.
    /// </summary>
    public Errno Access(in Caller caller, ulong node, int mask)
    {
        var error = GetAttr(node, out var stat);
        if (error != Errno.Success || mask == 0)
        {
            return error;
        }
        uint granted;
        if (caller.Uid == 0)
        {
            var anyExecute = stat.IsDirectory || (stat.Mode & 0x49) != 0;
            granted = anyExecute ? 7u : 6u;
        }
        else if (caller.Uid == stat.Uid)
        {
            granted = (stat.Mode >> 6) & 7;
        }
        else if (caller.Gid == stat.Gid)
        {
            granted = (stat.Mode >> 3) & 7;
        }
        else
        {
            granted = stat.Mode & 7;
        }
        return ((uint)mask & 7 & ~granted) == 0 ? Errno.Success : Errno.EACCES;
    }

    public Errno StatFs(ulong node, out FileSystemStats stats)
    {
        stats = default;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        StatFsBuffer buffer;
        if (LibC.FStatFs(n.Fd, &buffer) != 0)
        {
            return LibC.LastError();
        }
        stats = new FileSystemStats(
            buffer.Blocks,
            buffer.BlocksFree,
            buffer.BlocksAvailable,
            buffer.Files,
            buffer.FilesFree,
            (uint)buffer.BlockSize,
            (uint)buffer.NameMax,
            (uint)buffer.FragmentSize);
        return Errno.Success;
    }

    private static Errno ApplyAttributes(in NodeLease node, OpenFile? file, in SetAttrRequest request)
    {
        var error = Errno.Success;
        if (request.Has(SetAttrFields.Mode))
        {
            error = ChangeMode(in node, request.Mode & LibCConstants.PermissionBits);
        }
        if (error == Errno.Success && request.Has(SetAttrFields.Uid | SetAttrFields.Gid))
        {
            var uid = request.Has(SetAttrFields.Uid) ? request.Uid : uint.MaxValue;
            var gid = request.Has(SetAttrFields.Gid) ? request.Gid : uint.MaxValue;
            byte empty = 0;
            error = Check(LibC.FChownAt(node.Fd, &empty, uid, gid, LibCConstants.AtEmptyPath | LibCConstants.AtSymlinkNoFollow));
        }
        if (error == Errno.Success && request.Has(SetAttrFields.Size))
        {
            error = Truncate(in node, file, (long)request.Size);
        }
        if (error == Errno.Success && request.Has(SetAttrFields.Atime | SetAttrFields.Mtime | SetAttrFields.AtimeNow | SetAttrFields.MtimeNow))
        {
            var times = stackalloc TimeSpec[2];
            times[0] = TimeOf(request, SetAttrFields.Atime, SetAttrFields.AtimeNow, request.Atime);
            times[1] = TimeOf(request, SetAttrFields.Mtime, SetAttrFields.MtimeNow, request.Mtime);
            byte empty = 0;
            error = Check(LibC.UtimensAt(node.Fd, &empty, times, LibCConstants.AtEmptyPath | LibCConstants.AtSymlinkNoFollow));
        }
        return error;
    }

    /// <summary>chmod through /proc follows the link to the inode; a symlink's mode cannot change (as lchmod on Linux).</summary>
    private static Errno ChangeMode(in NodeLease node, uint mode)
    {
        if (node.IsSymlink)
        {
            return Errno.EOPNOTSUPP;
        }
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(node.Fd, path);
        fixed (byte* p = path)
        {
            return Check(LibC.Chmod(p, mode));
        }
    }

    /// <summary>
    /// Truncates through the open handle when it can write (ftruncate), else through a fresh
    /// O_WRONLY open of the node. Only regular files have a size to set, as truncate(2) says;
    /// checking first also keeps the reopen from blocking on a fifo.
    /// </summary>
    private static Errno Truncate(in NodeLease node, OpenFile? file, long size)
    {
        if (node.Type != LibCConstants.SIfReg)
        {
            return node.Type == LibCConstants.SIfDir ? Errno.EISDIR : Errno.EINVAL;
        }
        if (file is not null && !file.IsReadOnly)
        {
            return Check(LibC.FTruncate(file.Fd, size));
        }
        var fd = Reopen(in node, LibCConstants.OWrOnly);
        if (fd < 0)
        {
            return LibC.LastError();
        }
        var error = Check(LibC.FTruncate(fd, size));
        LibC.Close(fd);
        return error;
    }

    private static TimeSpec TimeOf(in SetAttrRequest request, SetAttrFields set, SetAttrFields now, Timestamp value)
    {
        if (request.Has(now))
        {
            return new TimeSpec { Nanoseconds = LibCConstants.UtimeNow };
        }
        if (request.Has(set))
        {
            return new TimeSpec { Seconds = value.Seconds, Nanoseconds = value.Nanoseconds };
        }
        return new TimeSpec { Nanoseconds = LibCConstants.UtimeOmit };
    }
}
