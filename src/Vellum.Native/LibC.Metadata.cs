using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>Metadata: statx of a node, statfs of its filesystem, the realtime clock for timestamps.</summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    public static int Statx(int dirFd, string path, int flags, uint mask, StatxBuffer* buffer)
    {
        fixed (byte* p = NulTerminated(path))
            return Statx(dirFd, p, flags, mask, buffer);
    }

    [LibraryImport(Library, EntryPoint = "statfs", SetLastError = true)]
    public static partial int StatFs(byte* path, StatFsBuffer* buffer);

    public static int StatFs(string path, StatFsBuffer* buffer)
    {
        fixed (byte* p = NulTerminated(path))
            return StatFs(p, buffer);
    }

    [LibraryImport(Library, EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int FStatFs(int fd, StatFsBuffer* buffer);

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clock, TimeSpec* time);

    /// <summary>The errno of a stat of <paramref name="path"/> (following a final symlink), <see cref="Errno.Success"/> when it succeeds.</summary>
    public static Errno StatError(string path)
    {
        StatxBuffer buffer;
        return Statx(LibCConstants.AtFdCwd, path, 0, LibCConstants.StatxBasicStats, &buffer) == 0 ? Errno.Success : LastError();
    }

    /// <summary>
    /// The errno of statfs(2) of <paramref name="path"/>, <see cref="Errno.Success"/> when it
    /// succeeds. Unlike stat, which the kernel may answer from its attribute cache for a second
    /// after a FUSE server died, statfs always asks the server, so a dead FUSE mount reliably
    /// gives ENOTCONN.
    /// </summary>
    public static Errno StatFsError(string path)
    {
        StatFsBuffer buffer;
        return StatFs(path, &buffer) == 0 ? Errno.Success : LastError();
    }
}

/// <summary>File types and permission bits of st_mode, statx(2) masks, clocks.</summary>
public static partial class LibCConstants
{
    public const uint SIfMt = 0xF000;
    public const uint SIfIfo = 0x1000;
    public const uint SIfDir = 0x4000;
    public const uint SIfChr = 0x2000;
    public const uint SIfBlk = 0x6000;
    public const uint SIfReg = 0x8000;
    public const uint SIfLnk = 0xA000;
    public const uint SIfSock = 0xC000;
    public const uint SISuid = 0x800;
    public const uint SISgid = 0x400;
    public const uint SIxGrp = 0x8;
    public const uint PermissionBits = 0xFFF;

    public const uint StatxBasicStats = 0x7FF;
    public const uint StatxMtime = 0x40;
    public const uint StatxCtime = 0x80;

    public const int ClockRealtime = 0;
}
