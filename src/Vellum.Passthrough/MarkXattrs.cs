namespace Vellum.Passthrough;

/// <summary>
/// The extended attributes that bind a backing directory to its journal: the journaled mount
/// stores its mark on the backing root as <see cref="Trusted"/> (as root) or <see cref="User"/>
/// (otherwise, or where the filesystem keeps no trusted.* attributes). No program may see or
/// change them through a mount, on any node: reads answer as for an absent attribute, lists
/// leave them out, and changes get EPERM, so the mark is the mount's alone.
/// </summary>
public static class MarkXattrs
{
    public const string Trusted = "trusted.vellum.journal";

    public const string User = "user.vellum.journal";

    public static bool Is(ReadOnlySpan<byte> name) => name.SequenceEqual("trusted.vellum.journal"u8) || name.SequenceEqual("user.vellum.journal"u8);

    public static bool Is(string name) => name is Trusted or User;

    /// <summary>Removes the mark's names from a NUL-separated list in place; returns the list's new length.</summary>
    public static int Remove(Span<byte> list)
    {
        var kept = 0;
        var rest = list;
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)0);
            var length = end < 0 ? rest.Length : end + 1;
            var entry = rest[..length];
            if (!Is(entry[..(end < 0 ? length : end)]))
            {
                entry.CopyTo(list[kept..]);
                kept += length;
            }
            rest = rest[length..];
        }
        return kept;
    }
}
