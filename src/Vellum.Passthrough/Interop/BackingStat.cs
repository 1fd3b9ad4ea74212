namespace Vellum.Passthrough.Interop;

/// <summary>statx on a descriptor (the inode itself, never following a symlink).</summary>
internal static unsafe class BackingStat
{
    public static Errno Of(int fd, out NodeStat stat)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (LibC.Statx(fd, &empty, LibCConstants.AtEmptyPath | LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &buffer) != 0)
        {
            stat = default;
            return LibC.LastError();
        }
        stat = new NodeStat(
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor,
            buffer.Ino,
            buffer.Mode,
            buffer.Nlink,
            buffer.Uid,
            buffer.Gid,
            EncodeDevice(buffer.RdevMajor, buffer.RdevMinor),
            buffer.Size,
            buffer.Blocks,
            buffer.BlockSize,
            new Timestamp(buffer.AtimeSeconds, buffer.AtimeNanoseconds),
            new Timestamp(buffer.MtimeSeconds, buffer.MtimeNanoseconds),
            new Timestamp(buffer.CtimeSeconds, buffer.CtimeNanoseconds));
        return Errno.Success;
    }

    /// <summary>The kernel's new_encode_dev: the 32-bit form FUSE and mknod(2) use.</summary>
    public static uint EncodeDevice(uint major, uint minor) => (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12);
}
