using Vellum.Mirror.Native;

namespace Vellum.Mirror;

/// <summary>What the mirror needs to know of a node in the replica, read without following a final symlink.</summary>
internal readonly record struct NodeInfo(uint Mode, uint Uid, uint Gid, ulong Device, ulong Inode, ulong Size, ulong Rdev, long MtimeSeconds, uint MtimeNanoseconds)
{
    public uint Type => Mode & MirrorConstants.SIfMt;

    public bool IsSymlink => Type == MirrorConstants.SIfLnk;

    /// <summary>statx of <paramref name="name"/> (NUL-terminated) in <paramref name="dirFd"/>; 0 or the errno.</summary>
    public static unsafe int Read(int dirFd, byte[] name, out NodeInfo node)
    {
        StatxBuffer buffer;
        int result;
        fixed (byte* p = name)
            result = MirrorLibC.Statx(dirFd, p, MirrorConstants.AtSymlinkNoFollow, MirrorConstants.StatxBasicStats, &buffer);
        if (result != 0)
        {
            node = default;
            return MirrorLibC.LastError();
        }
        node = new NodeInfo(buffer.Mode, buffer.Uid, buffer.Gid,
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor, buffer.Ino, buffer.Size,
            DeviceNumber(buffer.RdevMajor, buffer.RdevMinor), buffer.MtimeSeconds, buffer.MtimeNanoseconds);
        return 0;
    }

    /// <summary>glibc's makedev: the dev_t encoding of st_rdev, which the journal's RDEV carries and mknod takes.</summary>
    public static ulong DeviceNumber(uint major, uint minor) =>
        (((ulong)major & 0xFFFFF000) << 32) | (((ulong)major & 0xFFF) << 8) | (((ulong)minor & 0xFFFFFF00) << 12) | ((ulong)minor & 0xFF);
}
