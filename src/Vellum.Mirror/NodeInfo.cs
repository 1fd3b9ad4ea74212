
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>What the mirror needs to know of a node in the replica, read without following a final symlink.</summary>
internal readonly record struct NodeInfo(uint Mode, uint Uid, uint Gid, ulong Device, ulong Inode, ulong Size, ulong Rdev, long MtimeSeconds, uint MtimeNanoseconds)
{
    public uint Type => Mode & LibCConstants.SIfMt;

    public bool IsSymlink => Type == LibCConstants.SIfLnk;

    /// <summary>statx of <paramref name="name"/> (NUL-terminated) in <paramref name="dirFd"/>; <see cref="Errno.Success"/> or the errno.</summary>
    public static unsafe Errno Read(int dirFd, byte[] name, out NodeInfo node)
    {
        StatxBuffer buffer;
        int result;
        fixed (byte* p = name)
            result = LibC.Statx(dirFd, p, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &buffer);
        if (result != 0)
        {
            node = default;
            return LibC.LastError();
        }
        node = new NodeInfo(buffer.Mode, buffer.Uid, buffer.Gid,
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor, buffer.Ino, buffer.Size,
            DeviceNumber(buffer.RdevMajor, buffer.RdevMinor), buffer.MtimeSeconds, buffer.MtimeNanoseconds);
        return Errno.Success;
    }

    /// <summary>glibc's makedev: the dev_t encoding of st_rdev, which the journal's RDEV carries and mknod takes.</summary>
    public static ulong DeviceNumber(uint major, uint minor) =>
        (((ulong)major & 0xFFFFF000) << 32) | (((ulong)major & 0xFFF) << 8) | (((ulong)minor & 0xFFFFFF00) << 12) | ((ulong)minor & 0xFF);
}
