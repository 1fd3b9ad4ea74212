using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>The calls glibc has no wrapper for, through syscall(2): openat2 and cachestat.</summary>
public static unsafe partial class LibC
{
    /// <summary>Numbers from the unified table (424 on), the same on every architecture.</summary>
    private const long SysOpenAt2 = 437;

    private const long SysCacheStat = 451;

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint argument1, nint argument2, nint argument3, nint argument4);

    /// <summary>openat2(2): openat with <see cref="OpenHow.Resolve"/> limits on how the path resolves.</summary>
    public static int OpenAt2(int dirFd, byte* path, OpenHow* how) =>
        (int)Syscall(SysOpenAt2, dirFd, (nint)path, (nint)how, sizeof(OpenHow));

    /// <summary>cachestat(2): how much of <paramref name="range"/> of the file is in the page cache, dirty, under writeback.</summary>
    public static int CacheStat(int fd, CacheStatRange* range, CacheStat* stat) =>
        (int)Syscall(SysCacheStat, fd, (nint)range, (nint)stat, 0);
}
