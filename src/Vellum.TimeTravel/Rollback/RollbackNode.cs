namespace Vellum.TimeTravel.Rollback;

/// <summary>What a rollback compares of one name: its type and attributes, a symlink's target, its xattrs (its bytes are compared from the files).</summary>
internal sealed record RollbackNode(uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSeconds, uint MtimeNanoseconds,
    long AtimeSeconds, uint AtimeNanoseconds, ulong Inode, uint Links, ulong Device, string? LinkTarget, IReadOnlyDictionary<string, byte[]> Xattrs)
{
    public uint Type => Mode & Native.LibCConstants.SIfMt;

    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == Native.LibCConstants.SIfDir;

    public bool IsRegular => Type == Native.LibCConstants.SIfReg;

    public bool IsSymlink => Type == Native.LibCConstants.SIfLnk;

    public bool SameMtime(RollbackNode other) => MtimeSeconds == other.MtimeSeconds && MtimeNanoseconds == other.MtimeNanoseconds;

    public bool SameXattrs(RollbackNode other) =>
        Xattrs.Count == other.Xattrs.Count && Xattrs.All(pair => other.Xattrs.TryGetValue(pair.Key, out var value) && value.AsSpan().SequenceEqual(pair.Value));
}
