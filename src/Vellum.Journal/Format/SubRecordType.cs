namespace Vellum.Journal.Format;

/// <summary>
/// Sub-record type codes (the low 14 bits of a sub-record's type field). Operations and
/// groups are nested records; the rest are leaves. Values are persisted: never renumber.
/// </summary>
public enum SubRecordType : ushort
{
    /// <summary>Leaf with no meaning; carries LAST when the real last child was already written out.</summary>
    Pad = 0x0000,

    Create = 0x0101,
    Mkdir = 0x0102,
    Mknod = 0x0103,
    Symlink = 0x0104,
    Link = 0x0105,
    Unlink = 0x0106,
    Rmdir = 0x0107,
    Rename = 0x0108,
    Write = 0x0109,
    Truncate = 0x010A,
    SetAttr = 0x010B,
    SetXattr = 0x010C,
    RemoveXattr = 0x010D,
    Fallocate = 0x010E,
    Fsync = 0x010F,
    Checkpoint = 0x0110,
    Snapshot = 0x0111,

    /// <summary>
    /// Version 3: part of what the backing directory held when journaling began, or a difference
    /// found at mount, described as state to establish (docs/journal-format.md 3.5).
    /// </summary>
    Baseline = 0x0112,

    Cred = 0x0201,
    Redo = 0x0202,
    Undo = 0x0203,
    Attr = 0x0204,
    Xattr = 0x0205,

    /// <summary>The state an operation left behind, written after it ran (journaled mounts).</summary>
    Result = 0x0206,

    Time = 0x0301,
    Uid = 0x0302,
    Gid = 0x0303,
    Pid = 0x0304,
    Comm = 0x0305,
    Path = 0x0306,
    Path2 = 0x0307,
    Inode = 0x0308,
    Generation = 0x0309,
    Mode = 0x030A,
    Size = 0x030B,
    Atime = 0x030C,
    Mtime = 0x030D,
    Ctime = 0x030E,
    Rdev = 0x030F,
    Offset = 0x0310,
    Length = 0x0311,
    Flags = 0x0312,
    Data = 0x0313,
    Target = 0x0314,
    XattrName = 0x0315,
    XattrValue = 0x0316,
    Label = 0x0317,

    /// <summary>The modification time of PATH's directory after the operation.</summary>
    DirMtime = 0x0318,

    /// <summary>The modification time of PATH2's directory after the operation.</summary>
    Dir2Mtime = 0x0319,
}

public static class SubRecordTypes
{
    public static bool IsOperation(SubRecordType type) => type >= SubRecordType.Create && type <= SubRecordType.Baseline;

    public static bool IsGroup(SubRecordType type) => type >= SubRecordType.Cred && type <= SubRecordType.Result;

    public static bool IsNestedType(SubRecordType type) => IsOperation(type) || IsGroup(type);

    public static bool IsLeaf(SubRecordType type) => type == SubRecordType.Pad || (type >= SubRecordType.Time && type <= SubRecordType.Dir2Mtime);

    /// <summary>
    /// The exact data length of a fixed-size leaf, or the largest data length a variable
    /// leaf may declare; a reader checks a declared length against this before reading it.
    /// </summary>
    public static (bool Fixed, long Max) LeafDataLimit(SubRecordType type) => type switch
    {
        SubRecordType.Pad => (false, 0),
        SubRecordType.Time or SubRecordType.Atime or SubRecordType.Mtime or SubRecordType.Ctime
            or SubRecordType.DirMtime or SubRecordType.Dir2Mtime => (true, JournalTimestamp.Size),
        SubRecordType.Uid or SubRecordType.Gid or SubRecordType.Pid or SubRecordType.Mode or SubRecordType.Flags => (true, 4),
        SubRecordType.Inode or SubRecordType.Generation or SubRecordType.Size or SubRecordType.Rdev
            or SubRecordType.Offset or SubRecordType.Length => (true, 8),
        SubRecordType.Comm => (false, JournalLimits.MaxCommLength),
        SubRecordType.Path or SubRecordType.Path2 => (false, JournalLimits.MaxPathLength),
        SubRecordType.Target or SubRecordType.Label => (false, JournalLimits.MaxTargetLength),
        SubRecordType.XattrName => (false, JournalLimits.MaxXattrNameLength),
        SubRecordType.XattrValue => (false, JournalLimits.MaxXattrValueLength),
        SubRecordType.Data => (false, JournalLimits.MaxDataLength),
        _ => (false, -1),
    };
}
