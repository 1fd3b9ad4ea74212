using Vellum.Native;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>Operations that create a directory entry for a new inode.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    /// <param name="mode">Permission bits as the caller asked; the caller's umask is applied here.</param>
    public Errno Mkdir(in Caller caller, ulong parent, ReadOnlySpan<byte> name, uint mode, out NodeEntry entry) =>
        MakeNode(in caller, ChangeKind.Mkdir, parent, name, LibCConstants.SIfDir | (mode & LibCConstants.PermissionBits), 0, default, out entry);

    /// <param name="mode">File type and permission bits (regular, fifo, socket, character or block device).</param>
    /// <param name="rdev">The device number in the kernel's 32-bit encoding, for device nodes.</param>
    public Errno Mknod(in Caller caller, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, out NodeEntry entry) =>
        MakeNode(in caller, ChangeKind.Mknod, parent, name, mode, rdev, default, out entry);

    /// <summary>
    /// The permission bits to create with: the caller's umask applied, unless the parent has
    /// a default ACL, which then decides instead (the backing filesystem applies it, the
    /// daemon's own umask being 0), as on a local filesystem with POSIX ACLs.
    /// </summary>
    private static uint Masked(in NodeLease directory, uint mode, in Caller caller)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(directory.Fd, path);
        nint size;
        fixed (byte* p = path)
        fixed (byte* name = "system.posix_acl_default\0"u8)
        {
            size = LibC.GetXattr(p, name, null, 0);
        }
        return size > 0 ? mode & LibCConstants.PermissionBits : mode & ~caller.Umask & LibCConstants.PermissionBits;
    }

    public Errno Symlink(in Caller caller, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out NodeEntry entry) =>
        MakeNode(in caller, ChangeKind.Symlink, parent, name, LibCConstants.SIfLnk | 0x1FF, 0, target, out entry);

    /// <summary>
    /// Creates and opens a new regular file (FUSE CREATE). Without O_EXCL in
    /// <paramref name="flags"/> an existing file of that name is opened instead, and keeps
    /// its ownership. Success gives a lookup reference and an open handle.
    /// </summary>
    public Errno Create(in Caller caller, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, out NodeEntry entry, out ulong handle)
    {
        entry = default;
        handle = 0;
        using var directory = _nodes.Acquire(parent);
        if (!directory.IsValid)
        {
            return directory.Error;
        }
        Span<byte> native = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(name, native);
        if (error != Errno.Success)
        {
            return error;
        }
        var permissions = Masked(in directory, mode, in caller);
        flags = BackingOpenFlags(flags & ~(LibCConstants.OCreat | LibCConstants.ONoCtty));
        var change = new Change
        {
            Kind = ChangeKind.Create,
            Caller = caller,
            Parent = directory.Id,
            ParentFd = directory.Fd,
            Name = name,
            Mode = LibCConstants.SIfReg | permissions,
            Flags = flags,
        };
        var refused = ChangeScope.Begin(_recorder, in change, directory.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        fixed (byte* p = native)
        {
            error = CreateFile(in caller, in directory, p, permissions, flags, out entry, out handle);
        }
        return scope.End(in change, ChangeOutcome.Of(error, in entry));
    }

    private Errno CreateFile(in Caller caller, in NodeLease directory, byte* name, uint permissions, int flags, out NodeEntry entry, out ulong handle)
    {
        entry = default;
        handle = 0;
        var created = true;
        var fd = LibC.OpenAt(directory.Fd, name, flags | LibCConstants.OCreat | LibCConstants.OExcl | LibCConstants.ONoFollow | LibCConstants.OCloExec, permissions);
        if (fd < 0 && LibC.LastError() == Errno.EEXIST && (flags & LibCConstants.OExcl) == 0)
        {
            created = false;
            fd = LibC.OpenAt(directory.Fd, name, flags | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        }
        if (fd < 0)
        {
            return LibC.LastError();
        }
        var error = created ? _ownership.Apply(fd, directory.Fd, in caller, LibCConstants.SIfReg | permissions) : Errno.Success;
        Node? node = null;
        if (error == Errno.Success)
        {
            error = AdoptOpenFile(fd, out entry, out node);
        }
        if (error != Errno.Success)
        {
            LibC.Close(fd);
            return error;
        }
        NoteCreatedAlias(node!, in directory, name);
        handle = _files.Add(new OpenFile(_nodes.Acquire(node!), fd, flags));
        return Errno.Success;
    }

    /// <summary>Makes the inode behind an open descriptor a node, through an O_PATH descriptor of its own.</summary>
    private Errno AdoptOpenFile(int fd, out NodeEntry entry, out Node? node)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(fd, path);
        int pathFd;
        fixed (byte* p = path)
        {
            pathFd = LibC.OpenAt(LibCConstants.AtFdCwd, p, LibCConstants.OPath | LibCConstants.OCloExec, 0);
        }
        if (pathFd < 0)
        {
            entry = default;
            node = null;
            return LibC.LastError();
        }
        return Adopt(pathFd, out entry, out node);
    }

    private Errno MakeNode(in Caller caller, ChangeKind kind, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, ReadOnlySpan<byte> target, out NodeEntry entry)
    {
        entry = default;
        using var directory = _nodes.Acquire(parent);
        if (!directory.IsValid)
        {
            return directory.Error;
        }
        Span<byte> native = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(name, native);
        if (error != Errno.Success)
        {
            return error;
        }
        Span<byte> nativeTarget = stackalloc byte[kind == ChangeKind.Symlink ? NativeName.MaxPath : 1];
        if (kind == ChangeKind.Symlink && (error = NativeName.Text(target, nativeTarget)) != Errno.Success)
        {
            return error;
        }
        if (kind != ChangeKind.Symlink)
        {
            mode = (mode & LibCConstants.SIfMt) | Masked(in directory, mode, in caller);
        }
        var change = new Change
        {
            Kind = kind,
            Caller = caller,
            Parent = directory.Id,
            ParentFd = directory.Fd,
            Name = name,
            Mode = mode,
            Rdev = rdev,
            Data = target,
        };
        var refused = ChangeScope.Begin(_recorder, in change, directory.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        fixed (byte* p = native)
        fixed (byte* t = nativeTarget)
        {
            var result = kind switch
            {
                ChangeKind.Mkdir => LibC.MkdirAt(directory.Fd, p, mode & LibCConstants.PermissionBits),
                ChangeKind.Mknod => LibC.MknodAt(directory.Fd, p, mode, rdev),
                _ => LibC.SymlinkAt(t, directory.Fd, p),
            };
            error = result == 0 ? FinishMakeNode(in caller, in directory, p, mode, out entry) : LibC.LastError();
        }
        return scope.End(in change, ChangeOutcome.Of(error, in entry));
    }

    private Errno FinishMakeNode(in Caller caller, in NodeLease directory, byte* name, uint mode, out NodeEntry entry)
    {
        entry = default;
        var fd = LibC.OpenAt(directory.Fd, name, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        if (fd < 0)
        {
            return LibC.LastError();
        }
        var error = _ownership.Apply(fd, directory.Fd, in caller, mode);
        if (error != Errno.Success)
        {
            LibC.Close(fd);
            return error;
        }
        error = Adopt(fd, out entry, out var node);
        if (error == Errno.Success && (mode & LibCConstants.SIfMt) != LibCConstants.SIfDir)
        {
            NoteCreatedAlias(node!, in directory, name);
        }
        return error;
    }

    /// <summary>
    /// A journaled mount notes the name a file was created by, as lookups do: the recorder's
    /// way to the file's path when the kernel cannot give it (deeper than PATH_MAX).
    /// </summary>
    private void NoteCreatedAlias(Node node, in NodeLease directory, byte* name)
    {
        if (_recorder is not null)
        {
            _nodes.NoteAlias(node, directory.Id, System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
        }
    }
}
