using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>
/// Names in directories: the *at() calls relative to a directory descriptor (or
/// <see cref="LibCConstants.AtFdCwd"/>), which reach below PATH_MAX and never race a rename
/// of a parent, and file handles that outlive names.
/// </summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirFd, byte* path, int flags, uint mode);

    public static int OpenAt(int dirFd, string path, int flags, uint mode = 0)
    {
        fixed (byte* p = NulTerminated(path))
            return OpenAt(dirFd, p, flags, mode);
    }

    /// <summary>openat of the directory <paramref name="name"/> (".", "..") relative to <paramref name="dirFd"/>, close-on-exec; -1 on failure.</summary>
    public static int OpenDirectoryAt(int dirFd, ReadOnlySpan<byte> name, int flags)
    {
        Span<byte> native = stackalloc byte[name.Length + 1];
        name.CopyTo(native);
        native[^1] = 0;
        fixed (byte* p = native)
            return OpenAt(dirFd, p, flags | LibCConstants.ODirectory | LibCConstants.OCloExec, 0);
    }

    [LibraryImport(Library, EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(int dirFd, byte* path, uint mode);

    public static int MkdirAt(int dirFd, string path, uint mode) => AtPath(dirFd, path, mode, &MkdirAt);

    [LibraryImport(Library, EntryPoint = "mknodat", SetLastError = true)]
    public static partial int MknodAt(int dirFd, byte* path, uint mode, ulong device);

    public static int MknodAt(int dirFd, string path, uint mode, ulong device) => AtPath(dirFd, path, mode, device, &MknodAt);

    [LibraryImport(Library, EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt(byte* target, int dirFd, byte* path);

    public static int SymlinkAt(string target, int dirFd, string path)
    {
        fixed (byte* t = NulTerminated(target), p = NulTerminated(path))
            return SymlinkAt(t, dirFd, p);
    }

    [LibraryImport(Library, EntryPoint = "readlink", SetLastError = true)]
    public static partial nint ReadLink(byte* path, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadlinkAt(int dirFd, byte* path, byte* buffer, nuint size);

    public static nint ReadlinkAt(int dirFd, string path, Span<byte> buffer)
    {
        fixed (byte* p = NulTerminated(path), b = buffer)
            return ReadlinkAt(dirFd, p, b, (nuint)buffer.Length);
    }

    [LibraryImport(Library, EntryPoint = "linkat", SetLastError = true)]
    public static partial int LinkAt(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, int flags);

    public static int LinkAt(int oldDirFd, string oldPath, int newDirFd, string newPath, int flags = 0)
    {
        fixed (byte* o = NulTerminated(oldPath), n = NulTerminated(newPath))
            return LinkAt(oldDirFd, o, newDirFd, n, flags);
    }

    [LibraryImport(Library, EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int UnlinkAt(int dirFd, byte* path, int flags);

    public static int UnlinkAt(int dirFd, string path, int flags) => AtPath(dirFd, path, flags, &UnlinkAt);

    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true)]
    public static partial int RenameAt2(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, uint flags);

    public static int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags)
    {
        fixed (byte* o = NulTerminated(oldPath), n = NulTerminated(newPath))
            return RenameAt2(oldDirFd, o, newDirFd, n, flags);
    }

    [LibraryImport(Library, EntryPoint = "fchownat", SetLastError = true)]
    public static partial int FChownAt(int dirFd, byte* path, uint uid, uint gid, int flags);

    public static int FChownAt(int dirFd, string path, uint uid, uint gid, int flags)
    {
        fixed (byte* p = NulTerminated(path))
            return FChownAt(dirFd, p, uid, gid, flags);
    }

    [LibraryImport(Library, EntryPoint = "chmod", SetLastError = true)]
    public static partial int Chmod(byte* path, uint mode);

    [LibraryImport(Library, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int FChmod(int fd, uint mode);

    [LibraryImport(Library, EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FChmodAt(int dirFd, byte* path, uint mode, int flags);

    public static int FChmodAt(int dirFd, string path, uint mode, int flags) => AtPath(dirFd, path, mode, flags, &FChmodAt);

    [LibraryImport(Library, EntryPoint = "utimensat", SetLastError = true)]
    public static partial int UtimensAt(int dirFd, byte* path, TimeSpec* times, int flags);

    public static int UtimensAt(int dirFd, string path, TimeSpec* times, int flags)
    {
        fixed (byte* p = NulTerminated(path))
            return UtimensAt(dirFd, p, times, flags);
    }

    [LibraryImport(Library, EntryPoint = "futimens", SetLastError = true)]
    public static partial int FUtimens(int fd, TimeSpec* times);

    [LibraryImport(Library, EntryPoint = "name_to_handle_at", SetLastError = true)]
    public static partial int NameToHandleAt(int dirFd, byte* path, byte* handle, int* mountId, int flags);

    [LibraryImport(Library, EntryPoint = "open_by_handle_at", SetLastError = true)]
    public static partial int OpenByHandleAt(int mountFd, byte* handle, int flags);

    [LibraryImport(Library, EntryPoint = "realpath", SetLastError = true)]
    private static partial byte* RealPath(byte* path, byte* resolved);

    /// <summary>realpath(3): <paramref name="path"/> absolute, with every symlink, "." and ".." resolved; null (errno set) when it cannot be.</summary>
    public static string? RealPath(string path)
    {
        var resolved = stackalloc byte[LibCConstants.PathMax];
        fixed (byte* p = NulTerminated(path))
        {
            if (RealPath(p, resolved) is null)
                return null;
        }
        return Marshal.PtrToStringUTF8((nint)resolved);
    }

    /// <summary>An *at() call of one more argument, made with <paramref name="path"/> encoded as its path.</summary>
    private static int AtPath<T>(int dirFd, string path, T argument, delegate*<int, byte*, T, int> call)
    {
        fixed (byte* p = NulTerminated(path))
            return call(dirFd, p, argument);
    }

    /// <summary>An *at() call of two more arguments, made with <paramref name="path"/> encoded as its path.</summary>
    private static int AtPath<T1, T2>(int dirFd, string path, T1 first, T2 second, delegate*<int, byte*, T1, T2, int> call)
    {
        fixed (byte* p = NulTerminated(path))
            return call(dirFd, p, first, second);
    }
}

/// <summary>Flag values of the *at() calls, renameat2(2), openat2(2) and utimensat(2).</summary>
public static partial class LibCConstants
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtSymlinkFollow = 0x400;
    public const int AtEmptyPath = 0x1000;

    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;
    public const uint RenameWhiteout = 4;

    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveNoSymlinks = 0x04;
    public const ulong ResolveBeneath = 0x08;

    public const long UtimeNow = (1L << 30) - 1;
    public const long UtimeOmit = (1L << 30) - 2;

    /// <summary>PATH_MAX: the buffer realpath(3) fills.</summary>
    public const int PathMax = 4096;

    /// <summary>MAX_HANDLE_SZ: the largest f_handle any filesystem encodes.</summary>
    public const int MaxHandleSize = 128;
}
