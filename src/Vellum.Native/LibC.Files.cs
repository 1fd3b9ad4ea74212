using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>Files and descriptors: open, read and write, sizes and holes, directory listings.</summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, uint mode);

    public static int Open(string path, int flags, uint mode = 0)
    {
        fixed (byte* p = NulTerminated(path))
            return Open(p, flags, mode);
    }

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    public static nint Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return Write(fd, p, (nuint)data.Length);
    }

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    public static nint PRead(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
            return PRead(fd, p, (nuint)buffer.Length, offset);
    }

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    public static nint PWrite(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* p = data)
            return PWrite(fd, p, (nuint)data.Length, offset);
    }

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(int fd, int mode, long offset, long length);

    [LibraryImport(Library, EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(int fdIn, long* offsetIn, int fdOut, long* offsetOut, nuint length, uint flags);

    /// <summary>posix_fadvise(2) returns the error number itself (0 on success); errno is not set.</summary>
    [LibraryImport(Library, EntryPoint = "posix_fadvise")]
    public static partial int FAdvise(int fd, long offset, long length, int advice);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>getdents64(2): a buffer of <see cref="Dirent"/> records.</summary>
    [LibraryImport(Library, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nuint count);
}

/// <summary>Flag values of open(2), lseek(2), fallocate(2) and posix_fadvise(2).</summary>
public static partial class LibCConstants
{
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OAccessMode = 3;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoCtty = 0x100;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ONonBlock = 0x800;
    public const int ODirect = 0x4000;
    public const int ODirectory = 0x10000;
    public const int ONoFollow = 0x20000;
    public const int ONoAtime = 0x40000;
    public const int OCloExec = 0x80000;
    public const int ODSync = 0x1000;

    /// <summary>__O_SYNC: the part of O_SYNC beyond O_DSYNC, which makes metadata such as times durable too.</summary>
    public const int OSyncMetadata = 0x100000;

    public const int OSync = 0x101000;
    public const int OPath = 0x200000;

    public const int SeekSet = 0;
    public const int SeekEnd = 2;
    public const int SeekData = 3;
    public const int SeekHole = 4;

    public const int FallocKeepSize = 0x01;
    public const int FallocPunchHole = 0x02;
    public const int FallocZeroRange = 0x10;

    public const int FAdviseDontNeed = 4;
}
