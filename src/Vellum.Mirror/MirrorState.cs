using System.Text;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// The replica's <see cref="MirrorPosition"/>, kept in an xattr of its root so that it lives
/// with the tree it describes and no journal path can name it (a journal path is never
/// empty, so no operation reaches the root's own xattrs).
/// </summary>
internal static unsafe class MirrorState
{
    private static readonly byte[] Name = Encoding.ASCII.GetBytes(MirrorPosition.XattrName + "\0");

    /// <summary>The persisted position, or null for a replica never mirrored into.</summary>
    public static MirrorPosition? Read(ReplicaRoot root)
    {
        Span<byte> value = stackalloc byte[MirrorPosition.Size + 1];
        nint length;
        fixed (byte* n = Name)
        fixed (byte* v = value)
            length = LibC.FGetXattr(root.Descriptor, n, v, (nuint)value.Length);
        if (length < 0)
        {
            var errno = LibC.LastError();
            if (errno == Errno.ENODATA)
                return null;
            throw new MirrorException($"cannot read {MirrorPosition.XattrName} of the replica {root.Path}: {errno.Text}");
        }
        try
        {
            return MirrorPosition.Parse(value[..(int)length]);
        }
        catch (FormatException error)
        {
            throw new MirrorException($"{MirrorPosition.XattrName} of the replica {root.Path} is damaged: {error.Message}", error);
        }
    }

    public static void Write(ReplicaRoot root, MirrorPosition position)
    {
        Span<byte> value = stackalloc byte[MirrorPosition.Size];
        position.Format(value);
        int result;
        fixed (byte* n = Name)
        fixed (byte* v = value)
            result = LibC.FSetXattr(root.Descriptor, n, v, (nuint)value.Length, 0);
        if (result != 0)
            throw new MirrorException($"cannot write {MirrorPosition.XattrName} of the replica {root.Path}: {LibC.LastError().Text}", position.TransactionId);
    }

    /// <summary>Makes everything applied so far durable, the position with it: syncfs of the replica's filesystem.</summary>
    public static void Flush(ReplicaRoot root)
    {
        if (LibC.SyncFs(root.Descriptor) != 0)
            throw new MirrorException($"cannot flush the replica {root.Path}: {LibC.LastError().Text}");
    }
}
