using Vellum.Native;

namespace Vellum.Recording.Tests;

/// <summary>
/// The *at() calls a test makes below PATH_MAX's reach: relative to directory descriptors,
/// since an absolute path there would be refused with ENAMETOOLONG. Each throws on failure.
/// </summary>
internal static class AtCalls
{
    /// <summary>Opens the directory <paramref name="name"/> in <paramref name="directoryFd"/> for reading.</summary>
    public static int OpenDirectory(int directoryFd, string name) =>
        Check(LibC.OpenAt(directoryFd, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec), "open", name);

    public static void MakeDirectory(int directoryFd, string name, uint mode = 0x1ED) => Check(LibC.MkdirAt(directoryFd, name, mode), "mkdir", name);

    /// <summary>Creates <paramref name="name"/> (or truncates it) and writes <paramref name="content"/> into it.</summary>
    public static void WriteFile(int directoryFd, string name, byte[] content)
    {
        var fd = Check(LibC.OpenAt(directoryFd, name, LibCConstants.OWrOnly | LibCConstants.OCreat | LibCConstants.OCloExec, 0x1A4), "create", name);
        try
        {
            Check((int)LibC.Write(fd, content), "write", name);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Sets a user xattr through a descriptor of <paramref name="name"/>.</summary>
    public static void SetXattr(int directoryFd, string name, string attribute, byte[] value)
    {
        var fd = Check(LibC.OpenAt(directoryFd, name, LibCConstants.ORdOnly | LibCConstants.OCloExec), "open", name);
        try
        {
            Check(LibC.FSetXattr(fd, attribute, value, 0), "fsetxattr", name);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public static void Chmod(int directoryFd, string name, uint mode) => Check(LibC.FChmodAt(directoryFd, name, mode, 0), "chmod", name);

    public static void Link(int directoryFd, string existing, int newDirectoryFd, string created) =>
        Check(LibC.LinkAt(directoryFd, existing, newDirectoryFd, created), "link", created);

    public static void Rename(int directoryFd, string name, int newDirectoryFd, string newName) =>
        Check(LibC.RenameAt2(directoryFd, name, newDirectoryFd, newName, 0), "rename", name);

    public static void Symlink(string target, int directoryFd, string name) => Check(LibC.SymlinkAt(target, directoryFd, name), "symlink", name);

    public static void Unlink(int directoryFd, string name) => Check(LibC.UnlinkAt(directoryFd, name, 0), "unlink", name);

    /// <summary>mkdirat that reports the errno instead of throwing.</summary>
    public static Errno TryMakeDirectory(int directoryFd, string name) => LibC.MkdirAt(directoryFd, name, 0x1ED) == 0 ? Errno.Success : LibC.LastError();

    private static int Check(int result, string call, string name) => result >= 0 ? result : throw SystemCallException.Last(call, name);
}
