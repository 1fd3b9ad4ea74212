using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// What the journal last recorded of one name in the backing directory (docs/journal-format.md
/// section 8): enough of its attributes to tell, at the next mount, whether it changed.
/// </summary>
internal readonly record struct ManifestEntry(
    ulong Inode,
    uint Mode,
    ManifestFlags Flags,
    ulong Size,
    Timestamp Mtime,
    Timestamp Ctime,
    uint Uid,
    uint Gid,
    uint Nlink)
{
    public const uint TypeMask = 0xF000;
    public const uint DirectoryType = 0x4000;
    public const uint RegularType = 0x8000;

    public uint Type => Mode & TypeMask;

    public bool IsDirectory => Type == DirectoryType;

    public static ManifestEntry Of(in NodeStat stat, ManifestFlags flags) =>
        new(stat.Ino, stat.Mode, flags, stat.Size, stat.Mtime, stat.Ctime, stat.Uid, stat.Gid, stat.Nlink);

    /// <summary>Whether <paramref name="stat"/> is this node as recorded: the same inode and type, and nothing about it changed since.</summary>
    public bool Describes(in NodeStat stat) =>
        SameNode(in stat) && Mode == stat.Mode && Size == stat.Size && Mtime == stat.Mtime && Ctime == stat.Ctime
        && Uid == stat.Uid && Gid == stat.Gid && Nlink == stat.Nlink;

    /// <summary>Whether <paramref name="stat"/> is the same node (inode and type), changed or not.</summary>
    public bool SameNode(in NodeStat stat) => Inode == stat.Ino && Type == (stat.Mode & TypeMask);
}

[Flags]
internal enum ManifestFlags : uint
{
    None = 0,

    /// <summary>A directory whose names are all in the manifest.</summary>
    Listed = 1,

    /// <summary>A node whose content (regular file) and attributes the journal holds.</summary>
    Content = 2,
}
