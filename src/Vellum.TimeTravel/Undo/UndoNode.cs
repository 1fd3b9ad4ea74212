using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.TimeTravel.Undo;

/// <summary>
/// One object of <see cref="UndoNamespace"/> (a file, directory, symlink or device across
/// renames and hard links) with the metadata a replica holds of it: what a change's UNDO does
/// not carry (times, the other names of a hard-linked file, xattrs of a removed file), kept
/// from the journal's own REDO and RESULT records.
/// </summary>
internal sealed class UndoNode
{
    public uint Type { get; set; }

    public uint Permissions { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public JournalTimestamp? Atime { get; set; }

    public JournalTimestamp? Mtime { get; set; }

    /// <summary>Whether the journal gave the object's mode and owner (a replica root whose journal never recorded its own has none).</summary>
    public bool AttributesKnown { get; set; }

    public SortedDictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);

    /// <summary>A directory's names (one char per byte), else null.</summary>
    public Dictionary<string, long>? Children { get; set; }

    /// <summary>Every name the object has: its directory's object and the name in it.</summary>
    public List<(long Parent, string Name)> Links { get; } = [];

    /// <summary>What the object was at the moment undo goes back to, kept when a transaction after it first touched the object.</summary>
    public UndoNodeState? AtMoment { get; set; }

    public bool IsDirectory => Type == LibCConstants.SIfDir;

    public void Apply(NodeAttributes? attributes)
    {
        if (attributes is null)
            return;
        if (attributes.Mode is { } mode)
        {
            if ((mode & LibCConstants.SIfMt) != 0)
                Type = mode & LibCConstants.SIfMt;
            Permissions = mode & LibCConstants.PermissionBits;
            AttributesKnown = true;
        }
        Uid = attributes.Uid ?? Uid;
        Gid = attributes.Gid ?? Gid;
        Atime = attributes.Atime ?? Atime;
        Mtime = attributes.Mtime ?? Mtime;
        if (IsDirectory)
            Children ??= [];
    }

    public void SetXattrs(IEnumerable<ExtendedAttribute> xattrs, bool exactly) => JournalNames.ChangeXattrs(Xattrs, xattrs, exactly);

    public UndoNodeState State() => new(Type, AttributesKnown, Permissions, Uid, Gid, Atime, Mtime,
        [.. Xattrs.Select(x => new ExtendedAttribute(System.Text.Encoding.Latin1.GetBytes(x.Key), x.Value))], [.. Links]);
}

/// <summary>An <see cref="UndoNode"/>'s metadata and names at one moment.</summary>
internal sealed record UndoNodeState(uint Type, bool AttributesKnown, uint Permissions, uint Uid, uint Gid, JournalTimestamp? Atime, JournalTimestamp? Mtime,
    IReadOnlyList<ExtendedAttribute> Xattrs, IReadOnlyList<(long Parent, string Name)> Links);
