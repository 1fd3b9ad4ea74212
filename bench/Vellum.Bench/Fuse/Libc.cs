using System.Runtime.InteropServices;

namespace Vellum.Bench.Fuse;

/// <summary>
/// The system calls the suite makes directly: the metadata workload must cost exactly one
/// syscall per step (File APIs add fstat and flock calls, which a FUSE mount turns into
/// extra requests), the fsync latency loop times exactly one pwrite and one fsync or
/// fdatasync per step, and mounts are removed without depending on umount(8).
/// </summary>
internal static unsafe partial class Libc
{
    public const int OWrOnly = 0x1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OTrunc = 0x200;
    public const int OCloexec = 0x80000;
    public const int MntDetach = 2;
    public const int SIGTERM = 15;

    /// <summary>Large enough for struct stat on every 64-bit Linux ABI (144 bytes on x86-64).</summary>
    public const int StatBufferSize = 256;

    /// <summary>Offset of st_size in struct stat on x86-64 and on the generic 64-bit ABI (arm64).</summary>
    public const int StatSizeOffset = 48;

    private const string Library = "libc.so.6";

    /// <summary>SIGTERM lets a child (vellum serve) stop cleanly; Process.Kill only sends SIGKILL.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buffer, nint count, long offset);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fdatasync(int fd);

    public const int POSIX_FADV_DONTNEED = 4;

    /// <summary>Returns the error number itself; errno is not set.</summary>
    [LibraryImport(Library)]
    public static partial int posix_fadvise(int fd, long offset, long length, int advice);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int stat(string path, byte* buffer);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string path);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Library)]
    public static partial void sync();

    [LibraryImport(Library)]
    public static partial uint geteuid();

    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
}
