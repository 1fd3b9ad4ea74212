using Vellum.Native;

namespace Vellum.Passthrough.Interop;

/// <summary>statx on a descriptor (the inode itself, never following a symlink).</summary>
internal static unsafe class BackingStat
{
    public static Errno Of(int fd, out NodeStat stat) => Of(fd, LibCConstants.StatxBasicStats, out stat);

    /// <summary>
    /// Sets the modification time of the file open for writing as <paramref name="writableFd"/>
    /// to the realtime clock's now, then returns the attributes of <paramref name="fd"/>'s inode
    /// with that time, without asking the kernel for its modification or change time (the
    /// change time is left zero: unknown).
    /// </summary>
    public static Errno Stamped(int writableFd, int fd, out NodeStat stat)
    {
        var times = stackalloc TimeSpec[2];
        times[0].Nanoseconds = LibCConstants.UtimeOmit;
        if (LibC.ClockGetTime(LibCConstants.ClockRealtime, &times[1]) != 0 || LibC.FUtimens(writableFd, times) != 0)
        {
            stat = default;
            return LibC.LastError();
        }
        var error = Of(fd, LibCConstants.StatxBasicStats & ~(LibCConstants.StatxMtime | LibCConstants.StatxCtime), out stat);
        stat = stat with { Mtime = new Timestamp(times[1].Seconds, (uint)times[1].Nanoseconds), Ctime = default };
        return error;
    }

    /// <summary>statx of <paramref name="name"/> (NUL-terminated) in <paramref name="directoryFd"/>, not following a symlink: one syscall.</summary>
    public static Errno At(int directoryFd, byte* name, out NodeStat stat)
    {
        StatxBuffer buffer;
        if (LibC.Statx(directoryFd, name, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &buffer) != 0)
        {
            stat = default;
            return LibC.LastError();
        }
        stat = From(in buffer);
        return Errno.Success;
    }

    private static Errno Of(int fd, uint mask, out NodeStat stat)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (LibC.Statx(fd, &empty, LibCConstants.AtEmptyPath | LibCConstants.AtSymlinkNoFollow, mask, &buffer) != 0)
        {
            stat = default;
            return LibC.LastError();
        }
        stat = From(in buffer);
        return Errno.Success;
    }

    private static NodeStat From(in StatxBuffer buffer) =>
        new(
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

    /// <summary>The kernel's new_encode_dev: the 32-bit form FUSE and mknod(2) use.</summary>
    public static uint EncodeDevice(uint major, uint minor) => (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12);
}
