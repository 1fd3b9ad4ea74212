using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// The baseline operation (docs/journal-format.md 3.5): state to establish, not a change. Its
/// flags are applied in the order REMOVE, NAME, RESET, DATA, ATTRS, and each step finds out
/// what is there before it acts, so applying it again, or after part of it, leaves the same state.
/// </summary>
public sealed partial class JournalApplier
{
    private const BaselineFlags Establishing = BaselineFlags.Remove | BaselineFlags.Name | BaselineFlags.Reset | BaselineFlags.Data | BaselineFlags.Attrs;

    private const BaselineFlags KnownBaselineFlags = Establishing | BaselineFlags.Found | BaselineFlags.Complete;

    /// <summary>The root as messages show it (its journal path is empty).</summary>
    private const string RootShown = ".";

    private static readonly byte[] PositionXattr = System.Text.Encoding.ASCII.GetBytes(MirrorPosition.XattrName);

    /// <summary>
    /// Everything a baseline operation needs is checked here, with its paths, so that a
    /// malformed one is refused before anything of its transaction is applied. Null for one
    /// that establishes nothing (COMPLETE).
    /// </summary>
    private Step? CheckBaseline(JournalOperation operation, ulong id)
    {
        var shown = PathText.Show(operation.Path ?? []);
        MirrorApplyException Refused(string problem) => new(id, "baseline", shown, problem);

        var redo = operation.Redo;
        if (redo?.Flags is not { } bits)
            throw Refused("carries no FLAGS");
        var flags = (BaselineFlags)bits;
        if ((flags & ~KnownBaselineFlags) != 0)
            throw Refused($"has FLAGS 0x{bits:x}, some of which the mirror does not know");
        if (operation.Path is null)
            return (flags & Establishing) == 0 ? null : throw Refused("carries no PATH");
        if (operation.Path.Length == 0)
        {
            // The root, whose name is empty (journal-format.md 8): its listing ends with its ATTRS.
            if ((flags & Establishing & ~BaselineFlags.Attrs) != 0 || operation.Path2 is not null)
                throw new MirrorApplyException(id, "baseline", RootShown, "names the replica root, of which only ATTRS can be established");
            return flags.HasFlag(BaselineFlags.Attrs) ? new Step(operation, null, null) : null;
        }
        if (operation.Path2 is not null && !flags.HasFlag(BaselineFlags.Name))
            throw Refused("carries PATH2 without NAME");
        if (flags.HasFlag(BaselineFlags.Name) && operation.Path2 is null && NameProblem(redo) is { } problem)
            throw Refused(problem);
        if (flags.HasFlag(BaselineFlags.Reset) && redo.Attributes?.Size is null)
            throw Refused("has RESET but carries no SIZE");
        if (flags.HasFlag(BaselineFlags.Data) && (redo.Offset is null || redo.Data is null))
            throw Refused("has DATA but carries no OFFSET and DATA");
        return new Step(operation, Resolvable(operation.Path, id), operation.Path2 is null ? null : Resolvable(operation.Path2, id));
    }

    /// <summary>Why a NAME without PATH2 cannot be made: no type, an unknown one, or a symlink without a usable target.</summary>
    private static string? NameProblem(OperationState redo)
    {
        if (redo.Attributes?.Mode is not { } mode)
            return "has NAME but carries no MODE";
        return (mode & LibCConstants.SIfMt) switch
        {
            LibCConstants.SIfReg or LibCConstants.SIfDir or LibCConstants.SIfChr or LibCConstants.SIfBlk or LibCConstants.SIfIfo or LibCConstants.SIfSock => null,
            LibCConstants.SIfLnk when redo.Target is { Length: > 0 } target && !target.AsSpan().Contains((byte)0) => null,
            LibCConstants.SIfLnk => "has NAME of a symlink but an empty target or one with a NUL byte",
            _ => $"has NAME of an unknown file type (MODE 0{Convert.ToString(mode, 8)})",
        };
    }

    private void ApplyBaseline(Step step, ulong id)
    {
        var redo = step.Operation.Redo!;
        if (step.Path is not { } path)
        {
            SetRootAttributes(step, id, redo);
            return;
        }
        var flags = (BaselineFlags)redo.Flags!.Value;
        if (flags.HasFlag(BaselineFlags.Remove))
            RemoveSubtree(step, id, path);
        if (flags.HasFlag(BaselineFlags.Name))
        {
            if (step.Path2 is { } existing)
                LinkAsBaseline(step, id, existing, path);
            else
                EstablishNode(step, id, path, redo);
        }
        if ((flags & (BaselineFlags.Reset | BaselineFlags.Data)) != 0)
            EstablishContent(step, id, path, flags, redo);
        if (flags.HasFlag(BaselineFlags.Attrs))
        {
            var attributes = redo.Attributes;
            SetNodeAttributes(step, id, path, attributes?.Uid, attributes?.Gid, attributes?.Mode, attributes?.Atime, attributes?.Mtime, redo.Xattrs);
        }
    }

    /// <summary>
    /// ATTRS of the replica root, through the root's own descriptor. Its position xattr is the
    /// mirror's, not the source's: kept, and never set from the journal.
    /// </summary>
    private void SetRootAttributes(Step step, ulong id, OperationState redo)
    {
        var attributes = redo.Attributes;
        SetRootNodeAttributes(step, id, attributes is null ? null : new NodeAttributes { Uid = attributes.Uid, Gid = attributes.Gid, Mode = attributes.Mode });
        SetXattrsExactly(step, id, RootShown, _root.Descriptor, isSymlink: false, redo.Xattrs, PositionXattr);
        if (attributes is not null)
            SetRootNodeAttributes(step, id, new NodeAttributes { Atime = attributes.Atime, Mtime = attributes.Mtime });
    }

    /// <summary>Owner, then mode, then times of the replica root, through its own descriptor; what is null is left alone.</summary>
    private unsafe void SetRootNodeAttributes(Step step, ulong id, NodeAttributes? attributes)
    {
        var fd = _root.Descriptor;
        if ((attributes?.Uid is not null || attributes?.Gid is not null)
            && LibC.FChownAt(fd, "", attributes.Uid ?? uint.MaxValue, attributes.Gid ?? uint.MaxValue, LibCConstants.AtEmptyPath) != 0)
            throw new MirrorApplyException(id, step.Name, RootShown, LibC.LastError());
        if (attributes?.Mode is { } mode && LibC.FChmod(fd, mode & LibCConstants.PermissionBits) != 0)
            throw new MirrorApplyException(id, step.Name, RootShown, LibC.LastError());
        if (attributes?.Atime is null && attributes?.Mtime is null)
            return;
        var times = stackalloc TimeSpec[2] { Time(attributes.Atime), Time(attributes.Mtime) };
        if (LibC.FUtimens(fd, times) != 0)
            throw new MirrorApplyException(id, step.Name, RootShown, LibC.LastError());
    }

    /// <summary>REMOVE: PATH and everything under it, if it is there; a missing parent means nothing is.</summary>
    private void RemoveSubtree(Step step, ulong id, ReplicaPath path)
    {
        var errno = _root.TryOpenParent(path, id, out var parent);
        using (parent)
        {
            if (errno is Errno.ENOENT or Errno.ENOTDIR)
                return;
            if (errno == Errno.Success)
                errno = ReplicaTree.Remove(parent.Fd, path.Name);
            if (errno is not Errno.Success and not Errno.ENOENT)
                throw Failure(step, id, path, errno);
        }
    }

    /// <summary>
    /// NAME: a node of MODE's type at PATH. One already there of that type (a symlink with the
    /// target, a device with the number) is kept with its content; anything else is removed,
    /// a directory with its subtree, and the node made anew (mode 0600 or 0700 until ATTRS).
    /// </summary>
    private unsafe void EstablishNode(Step step, ulong id, ReplicaPath path, OperationState redo)
    {
        var mode = redo.Attributes!.Mode!.Value;
        var type = mode & LibCConstants.SIfMt;
        var rdev = type is LibCConstants.SIfChr or LibCConstants.SIfBlk ? redo.Attributes.Rdev ?? 0 : 0;
        using var parent = _root.OpenParent(path, id, step.Name);
        var fd = parent.Fd;
        if (KeptOrCleared(step, id, fd, path, existing => existing.Type == type && existing.Rdev == rdev
                && (type != LibCConstants.SIfLnk || ReadLink(fd, path.Name).AsSpan().SequenceEqual(redo.Target))))
            return;
        int result;
        fixed (byte* name = path.Name)
        {
            switch (type)
            {
                case LibCConstants.SIfReg:
                    result = LibC.OpenAt(parent.Fd, name, LibCConstants.OCreat | LibCConstants.OExcl | FileFlags, 0x180);
                    if (result >= 0)
                        result = LibC.Close(result);
                    break;
                case LibCConstants.SIfDir:
                    result = LibC.MkdirAt(parent.Fd, name, 0x1C0);
                    break;
                case LibCConstants.SIfLnk:
                    byte[] target = [.. redo.Target!, 0];
                    fixed (byte* to = target)
                        result = LibC.SymlinkAt(to, parent.Fd, name);
                    break;
                default:
                    result = LibC.MknodAt(parent.Fd, name, type | 0x180, rdev);
                    break;
            }
        }
        if (result != 0)
            throw Failure(step, id, path, LibC.LastError());
    }

    /// <summary>NAME with PATH2: PATH becomes a hard link to PATH2's node, replacing what it held unless that is the node already.</summary>
    private unsafe void LinkAsBaseline(Step step, ulong id, ReplicaPath existing, ReplicaPath path)
    {
        using var sourceParent = _root.OpenParent(existing, id, step.Name);
        var errno = NodeInfo.Read(sourceParent.Fd, existing.Name, out var source);
        if (errno != Errno.Success)
            throw Failure(step, id, existing, errno);
        if (source.Type == LibCConstants.SIfDir)
            throw Failure(step, id, existing, "is a directory, which cannot be hard-linked");
        using var parent = _root.OpenParent(path, id, step.Name);
        if (KeptOrCleared(step, id, parent.Fd, path, present => present.Device == source.Device && present.Inode == source.Inode))
            return;
        int result;
        fixed (byte* oldName = existing.Name)
        fixed (byte* newName = path.Name)
            result = LibC.LinkAt(sourceParent.Fd, oldName, parent.Fd, newName, 0);
        if (result != 0)
            throw Failure(step, id, path, LibC.LastError());
    }

    /// <summary>
    /// True when PATH holds a node <paramref name="keep"/> accepts; otherwise whatever it holds
    /// is removed (a directory with its subtree), and the name is free.
    /// </summary>
    private static bool KeptOrCleared(Step step, ulong id, int parentFd, ReplicaPath path, Func<NodeInfo, bool> keep)
    {
        var errno = NodeInfo.Read(parentFd, path.Name, out var existing);
        if (errno == Errno.Success)
        {
            if (keep(existing))
                return true;
            errno = ReplicaTree.Remove(parentFd, path.Name);
        }
        if (errno is not Errno.Success and not Errno.ENOENT)
            throw Failure(step, id, path, errno);
        return false;
    }

    /// <summary>
    /// RESET, then DATA, through one descriptor of the regular file. RESET drops the content
    /// (its blocks freed), then sets the size, so the file reads as a hole until DATA fills it.
    /// </summary>
    private void EstablishContent(Step step, ulong id, ReplicaPath path, BaselineFlags flags, OperationState redo)
    {
        var fd = OpenRegularFile(step, id, path);
        try
        {
            if (flags.HasFlag(BaselineFlags.Reset) && (LibC.FTruncate(fd, 0) != 0 || LibC.FTruncate(fd, (long)redo.Attributes!.Size!.Value) != 0))
                throw Failure(step, id, path, LibC.LastError());
            if (flags.HasFlag(BaselineFlags.Data))
                WriteAll(step, id, path, fd, redo.Offset!.Value, redo.Data!.Value);
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
