namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// What a rollback compares of one name: its type and attributes, a symlink's target, its
/// xattrs (its bytes are compared from the files). <see cref="Xattrs"/> is null when they were
/// not read: a live name's are read only when it has a past counterpart to compare them with.
/// </summary>
internal sealed record RollbackNode(uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSeconds, uint MtimeNanoseconds,
    long AtimeSeconds, uint AtimeNanoseconds, ulong Inode, uint Links, ulong Device, string? LinkTarget, IReadOnlyDictionary<string, byte[]>? Xattrs,
    RollbackCtime Ctime)
{
    public uint Type => Mode & Native.LibCConstants.SIfMt;

    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == Native.LibCConstants.SIfDir;

    public bool IsRegular => Type == Native.LibCConstants.SIfReg;

    public bool IsSymlink => Type == Native.LibCConstants.SIfLnk;

    public bool SameMtime(RollbackNode other) => MtimeSeconds == other.MtimeSeconds && MtimeNanoseconds == other.MtimeNanoseconds;

    /// <summary>Whether both hold the same xattrs; both must have been read.</summary>
    public bool SameXattrs(RollbackNode other) =>
        Xattrs!.Count == other.Xattrs!.Count && Xattrs.All(pair => other.Xattrs.TryGetValue(pair.Key, out var value) && value.AsSpan().SequenceEqual(pair.Value));
}

/// <summary>A node's ctime: every change to a file's bytes, xattrs, mode, owner or times moves it, and no program can set it back.</summary>
internal readonly record struct RollbackCtime(long Seconds, uint Nanoseconds);
