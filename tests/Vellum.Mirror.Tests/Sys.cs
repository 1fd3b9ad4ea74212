using System.Runtime.InteropServices;

namespace Vellum.Mirror.Tests;

/// <summary>The real syscalls the tests make on the source tree; each throws on failure.</summary>
internal static unsafe partial class Sys
{
    private const string Library = "libc";

    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;
    public const int FallocKeepSize = 1;
    public const int FallocPunchHole = 2;

    [LibraryImport(Library, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MknodCall(string path, uint mode, ulong device);

    [LibraryImport(Library, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkCall(string existing, string name);

    [LibraryImport(Library, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownCall(string path, uint uid, uint gid);

    [LibraryImport(Library, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChmodCall(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2Call(int oldDir, string oldPath, int newDir, string newPath, uint flags);

    [LibraryImport(Library, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattrCall(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport(Library, EntryPoint = "lremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LRemoveXattrCall(string path, string name);

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateCall(int fd, int mode, long offset, long length);

    [LibraryImport(Library, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAtCall(int dirFd, string path, long* times, int flags);

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxCall(int dirFd, string path, int flags, uint mask, byte* buffer);

    public static void Mknod(string path, uint mode, ulong device) => Check(MknodCall(path, mode, device), "mknod", path);

    public static void Link(string existing, string name) => Check(LinkCall(existing, name), "link", name);

    public static void Lchown(string path, uint uid, uint gid) => Check(LchownCall(path, uid, gid), "lchown", path);

    public static void Chmod(string path, uint mode) => Check(ChmodCall(path, mode), "chmod", path);

    public static void Rename(string from, string to, uint flags) => Check(RenameAt2Call(-100, from, -100, to, flags), "renameat2", from);

    public static void SetXattr(string path, string name, byte[] value)
    {
        fixed (byte* v = value)
            Check(LSetXattrCall(path, name, v, (nuint)value.Length, 0), "lsetxattr", path);
    }

    public static void RemoveXattr(string path, string name) => Check(LRemoveXattrCall(path, name), "lremovexattr", path);

    public static void Fallocate(string path, int mode, long offset, long length)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        Check(FallocateCall((int)file.DangerousGetHandle(), mode, offset, length), "fallocate", path);
    }

    /// <summary>Sets atime and mtime of the node itself (a symlink is not followed).</summary>
    public static void SetTimes(string path, (long Seconds, long Nanoseconds) atime, (long Seconds, long Nanoseconds) mtime)
    {
        var times = stackalloc long[4] { atime.Seconds, atime.Nanoseconds, mtime.Seconds, mtime.Nanoseconds };
        Check(UtimensAtCall(-100, path, times, 0x100), "utimensat", path);
    }

    /// <summary>lstat: mode, uid, gid, size, atime, mtime, inode.</summary>
    public static Stat Lstat(string path)
    {
        var buffer = stackalloc byte[256];
        Check(StatxCall(-100, path, 0x100, 0x7FF, buffer), "statx", path);
        return new Stat(
            *(ushort*)(buffer + 28), *(uint*)(buffer + 20), *(uint*)(buffer + 24), *(ulong*)(buffer + 40),
            (*(long*)(buffer + 64), *(uint*)(buffer + 72)), (*(long*)(buffer + 112), *(uint*)(buffer + 120)), *(ulong*)(buffer + 32));
    }

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
            throw new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }
}

internal readonly record struct Stat(uint Mode, uint Uid, uint Gid, ulong Size, (long Seconds, uint Nanoseconds) Atime, (long Seconds, uint Nanoseconds) Mtime, ulong Inode);
