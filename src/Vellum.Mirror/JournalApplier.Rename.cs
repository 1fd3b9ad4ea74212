using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// rename(2) with the renameat2 flags. A rename applied before shows as a missing old name
/// and a present new one, or, when the old name is present again (an exchange, or a later
/// operation of the transaction reusing it), as the new name holding the node RESULT
/// describes while the old one does not.
/// </summary>
public sealed partial class JournalApplier
{
    private unsafe void Rename(Step step, ulong id)
    {
        var (from, to) = (step.Path!, step.Path2!);
        var flags = step.Operation.Redo?.Flags ?? 0;
        using var toParent = _root.OpenParent(to, id, step.Name);
        var fromErrno = _root.TryOpenParent(from, id, out var fromParent);
        using (fromParent)
        {
            var targetErrno = NodeInfo.Read(toParent.Fd, to.Name, out var target);
            var source = default(NodeInfo);
            var sourceErrno = fromErrno != Errno.Success ? fromErrno : NodeInfo.Read(fromParent.Fd, from.Name, out source);
            if (sourceErrno == Errno.ENOENT && targetErrno == Errno.Success)
                return; // applied before
            if (sourceErrno != Errno.Success)
                throw Failure(step, id, from, sourceErrno);
            if (AlreadyApplied(flags, source, targetErrno == Errno.Success ? target : null, step.Operation.Result?.Attributes))
                return;
            int result;
            fixed (byte* oldName = from.Name)
            fixed (byte* newName = to.Name)
                result = LibC.RenameAt2(fromParent.Fd, oldName, toParent.Fd, newName, flags);
            if (result != 0)
                throw Failure(step, id, to, LibC.LastError());
        }
    }

    /// <summary>Whether a rename whose old name still holds <paramref name="source"/> has been applied already.</summary>
    private static bool AlreadyApplied(uint flags, NodeInfo source, NodeInfo? target, NodeAttributes? result)
    {
        if (target is not { } moved)
            return false;
        // A whiteout at the old name is what the rename leaves, but also what it may move (a
        // whiteout renamed again): RESULT's node at the new name tells the two apart.
        if ((flags & LibCConstants.RenameWhiteout) != 0)
            return source.Type == LibCConstants.SIfChr && source.Rdev == 0 && (result is null || Matches(moved, result));
        // Before the rename the old name holds the node RESULT describes; after it the new one
        // does (an exchange leaves both names present, a later operation may reuse the old name).
        return result is not null && Matches(moved, result) && !Matches(source, result);
    }

    /// <summary>Whether a node has the attributes RESULT gave the node at the new name (those a rename keeps).</summary>
    private static bool Matches(NodeInfo node, NodeAttributes attributes) =>
        (attributes.Mode is not { } mode || mode == node.Mode)
        && (attributes.Uid is not { } uid || uid == node.Uid)
        && (attributes.Gid is not { } gid || gid == node.Gid)
        && (attributes.Size is not { } size || node.Type != LibCConstants.SIfReg || size == node.Size)
        && (attributes.Mtime is not { } mtime || (mtime.Seconds == node.MtimeSeconds && mtime.Nanoseconds == node.MtimeNanoseconds));
}
