using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>
/// Extended attributes, each call beside its variants: by path (following a final symlink), by
/// path of the node itself (l*), by descriptor (f*).
/// </summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "getxattr", SetLastError = true)]
    public static partial nint GetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Library, EntryPoint = "lgetxattr", SetLastError = true)]
    public static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Library, EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint FGetXattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(Library, EntryPoint = "setxattr", SetLastError = true)]
    public static partial int SetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Library, EntryPoint = "lsetxattr", SetLastError = true)]
    public static partial int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Library, EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int FSetXattr(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Library, EntryPoint = "listxattr", SetLastError = true)]
    public static partial nint ListXattr(byte* path, byte* list, nuint size);

    [LibraryImport(Library, EntryPoint = "llistxattr", SetLastError = true)]
    public static partial nint LListXattr(byte* path, byte* list, nuint size);

    [LibraryImport(Library, EntryPoint = "removexattr", SetLastError = true)]
    public static partial int RemoveXattr(byte* path, byte* name);

    [LibraryImport(Library, EntryPoint = "lremovexattr", SetLastError = true)]
    public static partial int LRemoveXattr(byte* path, byte* name);

    [LibraryImport(Library, EntryPoint = "fremovexattr", SetLastError = true)]
    public static partial int FRemoveXattr(int fd, byte* name);

    public static nint GetXattr(string path, string name, Span<byte> value, bool followSymlink = true)
    {
        fixed (byte* p = NulTerminated(path), n = NulTerminated(name), v = value)
            return followSymlink ? GetXattr(p, n, v, (nuint)value.Length) : LGetXattr(p, n, v, (nuint)value.Length);
    }

    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value, int flags, bool followSymlink = true)
    {
        fixed (byte* p = NulTerminated(path), n = NulTerminated(name), v = value)
            return followSymlink ? SetXattr(p, n, v, (nuint)value.Length, flags) : LSetXattr(p, n, v, (nuint)value.Length, flags);
    }

    public static nint ListXattr(string path, Span<byte> list, bool followSymlink = true)
    {
        fixed (byte* p = NulTerminated(path), l = list)
            return followSymlink ? ListXattr(p, l, (nuint)list.Length) : LListXattr(p, l, (nuint)list.Length);
    }

    public static int RemoveXattr(string path, string name, bool followSymlink = true)
    {
        fixed (byte* p = NulTerminated(path), n = NulTerminated(name))
            return followSymlink ? RemoveXattr(p, n) : LRemoveXattr(p, n);
    }

    public static int FRemoveXattr(int fd, string name)
    {
        fixed (byte* n = NulTerminated(name))
            return FRemoveXattr(fd, n);
    }

    public static int FSetXattr(int fd, string name, ReadOnlySpan<byte> value, int flags)
    {
        fixed (byte* n = NulTerminated(name), v = value)
            return FSetXattr(fd, n, v, (nuint)value.Length, flags);
    }
}

/// <summary>setxattr(2) flags.</summary>
public static partial class LibCConstants
{
    public const int XattrCreate = 1;
    public const int XattrReplace = 2;
}
