using Vellum.Fuse;
using Vellum.Passthrough;

namespace Vellum.FuseAdapter;

/// <summary>Between the passthrough layer's types and the FUSE wire's.</summary>
internal static class FuseConversions
{
    public static Caller CallerOf(FuseContext context) => new(context.Uid, context.Gid, context.Pid, context.Umask);

    public static FuseAttr ToFuse(in NodeStat stat) => new()
    {
        Ino = stat.Ino,
        Size = stat.Size,
        Blocks = stat.Blocks,
        ATime = stat.Atime.Seconds,
        ATimeNsec = stat.Atime.Nanoseconds,
        MTime = stat.Mtime.Seconds,
        MTimeNsec = stat.Mtime.Nanoseconds,
        CTime = stat.Ctime.Seconds,
        CTimeNsec = stat.Ctime.Nanoseconds,
        Mode = stat.Mode,
        NLink = stat.Nlink,
        Uid = stat.Uid,
        Gid = stat.Gid,
        RDev = stat.Rdev,
        BlkSize = stat.BlockSize,
    };

    public static FuseEntry ToFuse(in NodeEntry entry) => new()
    {
        NodeId = entry.NodeId,
        Generation = entry.Generation,
        Attr = ToFuse(entry.Attributes),
    };

    /// <summary>The passthrough layer's field bits are FUSE's FATTR_* values, so they carry over as they are.</summary>
    public static SetAttrRequest ToPassthrough(in FuseSetAttr changes) => new()
    {
        Fields = (SetAttrFields)changes.Fields,
        Mode = changes.Mode,
        Uid = changes.Uid,
        Gid = changes.Gid,
        Size = changes.Size,
        Atime = new Timestamp(changes.ATime, changes.ATimeNsec),
        Mtime = new Timestamp(changes.MTime, changes.MTimeNsec),
        Handle = changes.Handle,
    };

    public static FuseStatFs ToFuse(in FileSystemStats stats) => new()
    {
        Blocks = stats.Blocks,
        BlocksFree = stats.BlocksFree,
        BlocksAvailable = stats.BlocksAvailable,
        Files = stats.Files,
        FilesFree = stats.FilesFree,
        BlockSize = stats.BlockSize,
        NameLength = stats.NameMax,
        FragmentSize = stats.FragmentSize,
    };
}
