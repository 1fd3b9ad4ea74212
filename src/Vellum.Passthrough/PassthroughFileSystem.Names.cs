using Vellum.Native;
using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>Operations that remove, move or add names of existing inodes.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    public Errno Unlink(in Caller caller, ulong parent, ReadOnlySpan<byte> name) => Remove(in caller, ChangeKind.Unlink, parent, name);

    public Errno Rmdir(in Caller caller, ulong parent, ReadOnlySpan<byte> name) => Remove(in caller, ChangeKind.Rmdir, parent, name);

    public Errno Rename(in Caller caller, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, RenameFlags flags)
    {
        using var from = _nodes.Acquire(parent);
        using var to = _nodes.Acquire(newParent);
        if (!from.IsValid || !to.IsValid)
        {
            return from.IsValid ? to.Error : from.Error;
        }
        Span<byte> nativeFrom = stackalloc byte[NativeName.ComponentBufferSize];
        Span<byte> nativeTo = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(name, nativeFrom);
        if (error == Errno.Success)
        {
            error = NativeName.Component(newName, nativeTo);
        }
        if (error != Errno.Success)
        {
            return error;
        }
        var change = new Change
        {
            Kind = ChangeKind.Rename,
            Caller = caller,
            Parent = from.Id,
            ParentFd = from.Fd,
            Name = name,
            NewParent = to.Id,
            NewParentFd = to.Fd,
            NewName = newName,
            Flags = (int)flags,
        };
        var refused = ChangeScope.Begin(_recorder, in change, from.Node, to.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        fixed (byte* f = nativeFrom)
        fixed (byte* t = nativeTo)
        {
            error = Check(LibC.RenameAt2(from.Fd, f, to.Fd, t, (uint)flags));
        }
        if (error == Errno.Success)
        {
            NoteMovedAlias(in to, newName);
            if ((flags & RenameFlags.Exchange) != 0)
            {
                NoteMovedAlias(in from, name);
            }
        }
        return scope.End(in change, ChangeOutcome.Of(error));
    }

    /// <summary>A file now has the name <paramref name="directory"/>/<paramref name="name"/>: note it among its aliases.</summary>
    private void NoteMovedAlias(in NodeLease directory, ReadOnlySpan<byte> name)
    {
        if (_recorder is not null && BackingInspection.StatAt(directory.Fd, name, out var stat) == Errno.Success && !stat.IsDirectory
            && _nodes.Find(stat.Dev, stat.Ino) is { } moved)
        {
            _nodes.NoteAlias(moved, directory.Id, name);
        }
    }

    /// <summary>Adds the name <paramref name="newParent"/>/<paramref name="newName"/> to <paramref name="node"/>; success adds a lookup reference to it.</summary>
    public Errno Link(in Caller caller, ulong node, ulong newParent, ReadOnlySpan<byte> newName, out NodeEntry entry)
    {
        entry = default;
        using var target = _nodes.Acquire(node);
        using var directory = _nodes.Acquire(newParent);
        if (!target.IsValid || !directory.IsValid)
        {
            return target.IsValid ? directory.Error : target.Error;
        }
        Span<byte> native = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(newName, native);
        if (error != Errno.Success)
        {
            return error;
        }
        var change = new Change
        {
            Kind = ChangeKind.Link,
            Caller = caller,
            Node = target.Id,
            NodeFd = target.Fd,
            Parent = directory.Id,
            ParentFd = directory.Fd,
            Name = newName,
        };
        var refused = ChangeScope.Begin(_recorder, in change, directory.Node, target.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        fixed (byte* p = native)
        {
            error = LinkAt(in target, in directory, p);
            if (error == Errno.Success)
            {
                error = LookupAt(in directory, p, out entry);
            }
        }
        return scope.End(in change, ChangeOutcome.Of(error, in entry));
    }

    /// <summary>
    /// linkat with AT_EMPTY_PATH names the O_PATH descriptor itself but needs
    /// CAP_DAC_READ_SEARCH; without it the /proc path, followed, reaches the same inode.
    /// </summary>
    private static Errno LinkAt(in NodeLease target, in NodeLease directory, byte* name)
    {
        byte empty = 0;
        if (LibC.LinkAt(target.Fd, &empty, directory.Fd, name, LibCConstants.AtEmptyPath) == 0)
        {
            return Errno.Success;
        }
        var error = LibC.LastError();
        if (error != Errno.ENOENT)
        {
            return error;
        }
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(target.Fd, path);
        fixed (byte* p = path)
        {
            return Check(LibC.LinkAt(LibCConstants.AtFdCwd, p, directory.Fd, name, LibCConstants.AtSymlinkFollow));
        }
    }

    private Errno Remove(in Caller caller, ChangeKind kind, ulong parent, ReadOnlySpan<byte> name)
    {
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
        var change = new Change { Kind = kind, Caller = caller, Parent = directory.Id, ParentFd = directory.Fd, Name = name };
        var refused = ChangeScope.Begin(_recorder, in change, directory.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        fixed (byte* p = native)
        {
            error = Check(LibC.UnlinkAt(directory.Fd, p, kind == ChangeKind.Rmdir ? LibCConstants.AtRemoveDir : 0));
        }
        return scope.End(in change, ChangeOutcome.Of(error));
    }
}
