using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.TimeTravel;

/// <summary>
/// One object of <see cref="DiffNamespace"/> (a file, directory, symlink or device across
/// renames and hard links): what `vellum diff` compares of it. Content is not kept, only how
/// many content changes it has had, so a diff counts an object written in between as changed.
/// </summary>
internal sealed class DiffNode
{
    public uint Type { get; set; }

    public uint Permissions { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public JournalTimestamp? Mtime { get; set; }

    public long ContentChanges { get; set; }

    public SortedDictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);

    /// <summary>A directory's names (one char per byte), else null.</summary>
    public Dictionary<string, long>? Children { get; set; }

    public bool IsDirectory => Type == LibCConstants.SIfDir;

    public void Apply(NodeAttributes? attributes)
    {
        if (attributes is null)
            return;
        if (attributes.Mode is { } mode)
        {
            if ((mode & LibCConstants.SIfMt) != 0)
                Type = mode & LibCConstants.SIfMt;
            Permissions = mode & 0xFFFu;
        }
        Uid = attributes.Uid ?? Uid;
        Gid = attributes.Gid ?? Gid;
        Mtime = attributes.Mtime ?? Mtime;
        if (IsDirectory)
            Children ??= [];
    }

    public void SetXattrs(IEnumerable<ExtendedAttribute> xattrs, bool exactly) => JournalNames.ChangeXattrs(Xattrs, xattrs, exactly);

    public DiffNodeState State() => new(Type, Permissions, Uid, Gid, IsDirectory ? null : Mtime, ContentChanges,
        string.Join('\0', Xattrs.Select(x => $"{x.Key}={Convert.ToHexString(x.Value)}")));
}

/// <summary>What a <see cref="DiffNode"/> was at a moment.</summary>
internal readonly record struct DiffNodeState(uint Type, uint Permissions, uint Uid, uint Gid, JournalTimestamp? Mtime, long ContentChanges, string Xattrs)
{
    public bool ContentDiffers(DiffNodeState other) => ContentChanges != other.ContentChanges || Type != other.Type;

    /// <summary>Mode, owner, xattrs; and the mtime when the content did not change (a write moves it).</summary>
    public bool MetadataDiffers(DiffNodeState other) =>
        Permissions != other.Permissions || Uid != other.Uid || Gid != other.Gid || Xattrs != other.Xattrs
        || (!ContentDiffers(other) && Mtime != other.Mtime);
}
