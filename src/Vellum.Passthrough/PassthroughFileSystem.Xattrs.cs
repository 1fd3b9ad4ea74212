using System.Buffers;
using Vellum.Native;
using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>
/// Extended attributes. O_PATH descriptors refuse the f*xattr calls, so these go through
/// the node's /proc/self/fd path, which the path-based calls follow to the inode. That
/// would reach a symlink's target rather than the symlink, so symlinks answer as Linux
/// does for user.* attributes on them: nothing listed, ENODATA on get, EPERM on change.
/// The journal's mark (<see cref="MarkXattrs"/>) is neither shown nor changed through the mount.
/// </summary>
public sealed unsafe partial class PassthroughFileSystem
{
    /// <summary>XATTR_NAME_MAX; longer names get ERANGE, as from the kernel.</summary>
    private const int MaxXattrName = 255;

    /// <param name="flags">XATTR_CREATE (1) or XATTR_REPLACE (2) or 0.</param>
    public Errno SetXattr(in Caller caller, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags) =>
        ChangeXattr(in caller, ChangeKind.SetXattr, node, name, value, flags);

    public Errno RemoveXattr(in Caller caller, ulong node, ReadOnlySpan<byte> name) =>
        ChangeXattr(in caller, ChangeKind.RemoveXattr, node, name, default, 0);

    /// <summary>
    /// Copies the value into <paramref name="value"/>; with an empty span, only
    /// <paramref name="size"/> is set: the size the value needs. ERANGE when it does not fit.
    /// </summary>
    public Errno GetXattr(ulong node, ReadOnlySpan<byte> name, Span<byte> value, out int size)
    {
        size = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        if (n.IsSymlink || MarkXattrs.Is(name))
        {
            return Errno.ENODATA;
        }
        Span<byte> nativeName = stackalloc byte[MaxXattrName + 1];
        var error = XattrName(name, nativeName);
        if (error != Errno.Success)
        {
            return error;
        }
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(n.Fd, path);
        nint result;
        fixed (byte* p = path)
        fixed (byte* k = nativeName)
        fixed (byte* v = value)
        {
            result = LibC.GetXattr(p, k, v, (nuint)value.Length);
        }
        return Sized(result, out size);
    }

    /// <summary>
    /// Copies the NUL-separated names into <paramref name="list"/>; with an empty span, only
    /// <paramref name="size"/> is set: the size the list needs. ERANGE when it does not fit.
    /// </summary>
    public Errno ListXattr(ulong node, Span<byte> list, out int size)
    {
        size = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        if (n.IsSymlink)
        {
            return Errno.Success;
        }
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(n.Fd, path);
        fixed (byte* p = path)
        fixed (byte* l = list)
        {
            if (!list.IsEmpty)
            {
                var listed = LibC.ListXattr(p, l, (nuint)list.Length);
                if (listed >= 0 || LibC.LastError() != Errno.ERANGE)
                {
                    var error = Sized(listed, out size);
                    size = MarkXattrs.Remove(list[..size]);
                    return error;
                }
            }
            return ListWithoutMark(p, list, out size);
        }
    }

    /// <summary>
    /// The list without the mark's names, through a buffer of its own: the caller's may be too
    /// small for the whole list yet large enough without them, and a size query must count
    /// what the list will hold.
    /// </summary>
    private static Errno ListWithoutMark(byte* path, Span<byte> list, out int size)
    {
        while (true)
        {
            var needed = LibC.ListXattr(path, null, 0);
            if (needed <= 0)
            {
                return Sized(needed, out size);
            }
            var buffer = ArrayPool<byte>.Shared.Rent((int)needed);
            try
            {
                nint listed;
                fixed (byte* b = buffer)
                {
                    listed = LibC.ListXattr(path, b, (nuint)needed);
                }
                if (listed < 0 && LibC.LastError() == Errno.ERANGE)
                {
                    continue;
                }
                var error = Sized(listed, out size);
                if (error != Errno.Success)
                {
                    return error;
                }
                size = MarkXattrs.Remove(buffer.AsSpan(0, size));
                if (list.IsEmpty)
                {
                    return Errno.Success;
                }
                if (size > list.Length)
                {
                    size = 0;
                    return Errno.ERANGE;
                }
                buffer.AsSpan(0, size).CopyTo(list);
                return Errno.Success;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private Errno ChangeXattr(in Caller caller, ChangeKind kind, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        if (n.IsSymlink || MarkXattrs.Is(name))
        {
            return Errno.EPERM;
        }
        Span<byte> nativeName = stackalloc byte[MaxXattrName + 1];
        var error = XattrName(name, nativeName);
        if (error != Errno.Success)
        {
            return error;
        }
        var change = new Change
        {
            Kind = kind,
            Caller = caller,
            Node = n.Id,
            NodeFd = n.Fd,
            XattrName = name,
            Data = value,
            Flags = flags,
        };
        var refused = ChangeScope.Begin(_recorder, in change, n.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        error = ApplyXattr(in n, kind, nativeName, value, flags);
        return scope.End(in change, ChangeOutcome.Of(error));
    }

    private static Errno ApplyXattr(in NodeLease node, ChangeKind kind, ReadOnlySpan<byte> nativeName, ReadOnlySpan<byte> value, int flags)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(node.Fd, path);
        fixed (byte* p = path)
        fixed (byte* k = nativeName)
        fixed (byte* v = value)
        {
            return Check(kind == ChangeKind.SetXattr
                ? LibC.SetXattr(p, k, v, (nuint)value.Length, flags)
                : LibC.RemoveXattr(p, k));
        }
    }

    private static Errno XattrName(ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        if (name.Length > MaxXattrName)
        {
            return Errno.ERANGE;
        }
        return NativeName.Text(name, buffer);
    }

    private static Errno Sized(nint result, out int size)
    {
        if (result < 0)
        {
            size = 0;
            return LibC.LastError();
        }
        size = (int)result;
        return Errno.Success;
    }
}
