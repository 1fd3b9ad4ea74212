namespace Vellum.Fuse;

/// <summary>Which fields of a SETATTR request are set (<c>FATTR_*</c>; the values are the wire values).</summary>
[Flags]
public enum FuseSetAttrFields : uint
{
    None = 0,
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    ATime = 1 << 4,
    MTime = 1 << 5,
    Handle = 1 << 6,
    ATimeNow = 1 << 7,
    MTimeNow = 1 << 8,
    LockOwner = 1 << 9,
    CTime = 1 << 10,
    KillSuidGid = 1 << 11,
}

/// <summary>A SETATTR request: only the fields named in <see cref="Fields"/> are meaningful.</summary>
public readonly struct FuseSetAttr
{
    public FuseSetAttrFields Fields { get; init; }
    public ulong Handle { get; init; }
    public ulong Size { get; init; }
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public long ATime { get; init; }
    public uint ATimeNsec { get; init; }
    public long MTime { get; init; }
    public uint MTimeNsec { get; init; }
    public long CTime { get; init; }
    public uint CTimeNsec { get; init; }

    public bool Has(FuseSetAttrFields field) => (Fields & field) != 0;
}
