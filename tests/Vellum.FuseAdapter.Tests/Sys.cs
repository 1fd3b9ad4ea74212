using System.Runtime.InteropServices;

namespace Vellum.FuseAdapter.Tests;

/// <summary>The syscalls the scenarios make, as an application would; each returns 0 or the errno.</summary>
internal static partial class Sys
{
    public const int RenameNoReplace = 1;
    public const int RenameExchange = 2;
    public const int SeekData = 3;
    public const int SeekHole = 4;
    public const int FallocKeepSize = 1;
    public const int FallocPunchHole = 2;
    public const int OWronly = 1;
    public const int ORdwr = 2;
    public const int OCreat = 0x40;

    public static int Rename2(string from, string to, int flags) => Check(RenameAt2(-100, from, -100, to, (uint)flags));

    public static int Link(string existing, string name) => Check(LinkNative(existing, name));

    public static int Chown(string path, int uid, int gid) => Check(LChownNative(path, uid, gid));

    public static int SetXattr(string path, string name, byte[] value, int flags = 0) => Check(LSetXattr(path, name, value, (nuint)value.Length, flags));

    public static int RemoveXattr(string path, string name) => Check(LRemoveXattr(path, name));

    public static (int Error, byte[] Value) GetXattr(string path, string name)
    {
        var buffer = new byte[65536];
        var length = LGetXattr(path, name, buffer, (nuint)buffer.Length);
        return length < 0 ? (Marshal.GetLastPInvokeError(), []) : (0, buffer[..(int)length]);
    }

    public static (int Error, string[] Names) ListXattr(string path)
    {
        var buffer = new byte[65536];
        var length = LListXattr(path, buffer, (nuint)buffer.Length);
        return length < 0
            ? (Marshal.GetLastPInvokeError(), [])
            : (0, System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray());
    }

    public static int Open(string path, int flags, int mode = 0x1A4) => OpenNative(path, flags, mode);

    public static int Fallocate(int fd, int mode, long offset, long length) => Check(FallocateNative(fd, mode, offset, length));

    public static long Seek(int fd, long offset, int whence)
    {
        var result = LSeek(fd, offset, whence);
        return result < 0 ? -Marshal.GetLastPInvokeError() : result;
    }

    public static int Errno() => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial int Umask(int mask);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, ReadOnlySpan<byte> buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, Span<byte> buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFsNative(string path, Span<byte> buffer);

    /// <summary>0, or the errno statfs(2) gives; it always reaches the FUSE server, where stat may be answered from cache.</summary>
    public static int StatFsError(string path)
    {
        Span<byte> buffer = stackalloc byte[120];
        return StatFsNative(path, buffer) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private static int Check(int result) => result == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int fromDir, string from, int toDir, string to, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string name);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChownNative(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattr(string path, string name, byte[] value, nuint size);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LListXattr(string path, byte[] list, nuint size);

    [LibraryImport("libc", EntryPoint = "lremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LRemoveXattr(string path, string name);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateNative(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);
}
