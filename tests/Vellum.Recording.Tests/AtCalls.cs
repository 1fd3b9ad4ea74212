using System.Runtime.InteropServices;

namespace Vellum.Recording.Tests;

/// <summary>
/// The *at() calls a test makes below PATH_MAX's reach: relative to directory descriptors,
/// since an absolute path there would be refused with ENAMETOOLONG. Each throws on failure.
/// </summary>
internal static partial class AtCalls
{
    public const int AtFdCwd = -100;
    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OCreat = 0x40;
    private const int ODirectory = 0x10000;
    private const int ONoFollow = 0x20000;
    private const int OCloExec = 0x80000;

    /// <summary>Opens the directory <paramref name="name"/> in <paramref name="directoryFd"/> for reading.</summary>
    public static int OpenDirectory(int directoryFd, string name) =>
        Check(OpenAt(directoryFd, name, ORdOnly | ODirectory | ONoFollow | OCloExec, 0), "open", name);

    public static void MakeDirectory(int directoryFd, string name, uint mode = 0x1ED) => Check(MkdirAt(directoryFd, name, mode), "mkdir", name);

    /// <summary>Creates <paramref name="name"/> (or truncates it) and writes <paramref name="content"/> into it.</summary>
    public static void WriteFile(int directoryFd, string name, byte[] content)
    {
        var fd = Check(OpenAt(directoryFd, name, OWrOnly | OCreat | OCloExec, 0x1A4), "create", name);
        try
        {
            Check((int)Write(fd, content, (nuint)content.Length), "write", name);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Sets a user xattr through a descriptor of <paramref name="name"/>.</summary>
    public static void SetXattr(int directoryFd, string name, string attribute, byte[] value)
    {
        var fd = Check(OpenAt(directoryFd, name, ORdOnly | OCloExec, 0), "open", name);
        try
        {
            Check(FSetXattr(fd, attribute, value, (nuint)value.Length, 0), "fsetxattr", name);
        }
        finally
        {
            Close(fd);
        }
    }

    public static void Chmod(int directoryFd, string name, uint mode) => Check(FChmodAt(directoryFd, name, mode, 0), "chmod", name);

    public static void Link(int directoryFd, string existing, int newDirectoryFd, string created) =>
        Check(LinkAt(directoryFd, existing, newDirectoryFd, created, 0), "link", created);

    public static void Rename(int directoryFd, string name, int newDirectoryFd, string newName) =>
        Check(RenameAt(directoryFd, name, newDirectoryFd, newName), "rename", name);

    public static void Symlink(string target, int directoryFd, string name) => Check(SymlinkAt(target, directoryFd, name), "symlink", name);

    public static void Unlink(int directoryFd, string name) => Check(UnlinkAt(directoryFd, name, 0), "unlink", name);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int directoryFd, string name, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int directoryFd, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FSetXattr(int fd, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FChmodAt(int directoryFd, string name, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAt(int directoryFd, string existing, int newDirectoryFd, string created, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt(int directoryFd, string name, int newDirectoryFd, string newName);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkAt(string target, int directoryFd, string name);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int directoryFd, string name, int flags);

    /// <summary>The errno of the last failed call.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>mkdirat that reports the errno instead of throwing: 0 on success.</summary>
    public static int TryMakeDirectory(int directoryFd, string name) => MkdirAt(directoryFd, name, 0x1ED) == 0 ? 0 : LastError;

    private static int Check(int result, string call, string name) =>
        result >= 0 ? result : throw new IOException($"{call} {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
