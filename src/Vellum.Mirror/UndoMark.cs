using System.Text;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// The mark of an undo in progress on a replica (`vellum undo`, docs/time-travel.md 9): an
/// xattr of its root, set durably before the undo changes anything and removed with the new
/// position. An undo is not idempotent, so a replica whose undo was cut short holds a state
/// between two positions: while the mark is there the mirror refuses to apply to it, and a
/// rebuild (a fresh replay, which carries no mark) is the way out.
/// </summary>
internal static unsafe class UndoMark
{
    public const string XattrName = "user.vellum.undo";

    /// <summary>What the mark says (the undo's positions), or null when there is none.</summary>
    public static string? Read(ReplicaRoot root)
    {
        var value = new byte[256];
        nint length;
        fixed (byte* n = Encoding.ASCII.GetBytes(XattrName + "\0"))
        fixed (byte* v = value)
            length = LibC.FGetXattr(root.Descriptor, n, v, (nuint)value.Length);
        if (length >= 0)
            return Encoding.UTF8.GetString(value, 0, (int)length);
        var errno = LibC.LastError();
        if (errno is Errno.ENODATA or Errno.EOPNOTSUPP)
            return null;
        throw new MirrorException($"cannot read {XattrName} of the replica {root.Path}: {errno.Text}");
    }

    public static void Write(ReplicaRoot root, string text)
    {
        if (LibC.FSetXattr(root.Descriptor, XattrName, Encoding.UTF8.GetBytes(text), 0) != 0)
            throw new MirrorException($"cannot write {XattrName} of the replica {root.Path}: {LibC.LastError().Text}");
    }

    public static void Clear(ReplicaRoot root)
    {
        if (LibC.FRemoveXattr(root.Descriptor, XattrName) != 0 && LibC.LastError() is var errno && errno != Errno.ENODATA)
            throw new MirrorException($"cannot remove {XattrName} of the replica {root.Path}: {errno.Text}");
    }

    /// <summary>The refusal of a replica whose undo was cut short, with the way out.</summary>
    public static MirrorException Interrupted(string store, string replica, string mark) =>
        new($"the replica {replica} is in the middle of an undo ({mark}) that was cut short: it holds neither state; rebuild it from the journal (vellum mirror --store {store} --to {replica} --rebuild), then undo again");
}
