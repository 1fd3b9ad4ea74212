using System.Runtime.InteropServices;

namespace Vellum.Recording.Tests;

/// <summary>The syscalls the workloads make that .NET's file APIs do not offer. Each returns -1 on failure.</summary>
internal static partial class Sys
{
    public const int ORdWr = 2;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OSync = 0x101000;
    public const int ODirect = 0x4000;
    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;
    public const uint RenameWhiteout = 4;
    public const int FallocPunchHole = 0x02 | 0x01;
    public const int FallocZeroRange = 0x10;

    /// <summary>
    /// open(2), always with O_CLOEXEC (a daemon another test starts meanwhile must not inherit
    /// a descriptor into this test's mount, which would keep it busy) and O_NONBLOCK (a FIFO
    /// the workload renamed onto a file name must not block an open).
    /// </summary>
    public static int Open(string path, int flags, uint mode) => OpenRaw(path, flags | OCloExec | ONonBlock, mode);

    private const int OCloExec = 0x80000;
    private const int ONonBlock = 0x800;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte[] buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, ReadOnlySpan<byte> buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(int fdIn, ref long offsetIn, int fdOut, ref long offsetOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mknod(string path, uint mode, ulong device);

    [LibraryImport("libc", EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetXattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "removexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RemoveXattr(string path, string name);

    public const int AtFdCwd = -100;

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> of <paramref name="path"/> (created if missing) and optionally fsyncs; false on any failure.</summary>
    public static bool WriteAt(string path, long offset, byte[] data, bool fsync = false, int extraFlags = 0)
    {
        var fd = Open(path, OWrOnly | OCreat | extraFlags, 0x1A4);
        if (fd < 0)
            return false;
        try
        {
            return PWrite(fd, data, (nuint)data.Length, offset) == data.Length && (!fsync || FSync(fd) == 0);
        }
        finally
        {
            Close(fd);
        }
    }
}
