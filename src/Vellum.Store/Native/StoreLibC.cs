using System.Runtime.InteropServices;

namespace Vellum.Store.Native;

/// <summary>The file calls the store makes, with errno kept (see <see cref="StoreIOException"/>).</summary>
internal static unsafe partial class StoreLibC
{
    private const string Library = "libc";

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ODirectory = 0x10000;
    public const int OCloExec = 0x80000;

    public const uint SyncFileRangeWrite = 2;
    public const int FAdviseDontNeed = 4;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENOSPC = 28;
    public const int EDQUOT = 122;

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    /// <summary>Returns the error number itself (0 on success); errno is not set.</summary>
    [LibraryImport(Library, EntryPoint = "posix_fadvise")]
    public static partial int FAdvise(int fd, long offset, long length, int advice);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    public static int LastError() => Marshal.GetLastPInvokeError();
}
