using System.Runtime.InteropServices;

namespace Vellum.Fuse.Tests;

/// <summary>The syscalls the tests drive the mount with where .NET has no API.</summary>
public sealed partial class MountTests
{
    private const int AtFdCwd = -100;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetXattr(string path, string name, byte[] value, nint size, int flags);

    [LibraryImport("libc", EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetXattr(string path, string name, byte[] value, nint size);

    [LibraryImport("libc", EntryPoint = "listxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ListXattr(string path, byte[] names, nint size);

    [LibraryImport("libc", EntryPoint = "removexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RemoveXattr(string path, string name);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkNod(string path, uint mode, ulong device);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeHandle file, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(SafeHandle source, ref long sourceOffset, SafeHandle destination, ref long destinationOffset, nuint length, uint flags);

    private static int SetXattr(string path, string name, byte[] value, int flags) => SetXattr(path, name, value, value.Length, flags);

    private static nint GetXattr(string path, string name, byte[] value) => GetXattr(path, name, value, value.Length);

    private static nint ListXattr(string path, byte[] names) => ListXattr(path, names, names.Length);

    private static int RenameAt2(string from, string to, uint flags) => RenameAt2(AtFdCwd, from, AtFdCwd, to, flags);
}
