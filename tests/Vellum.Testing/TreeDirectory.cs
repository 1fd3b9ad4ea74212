using System.Text;
using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>Directories of a tree reached one descriptor per level (a tree may be deeper than PATH_MAX); none follows a final symlink.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static unsafe class TreeDirectory
{
    /// <summary>openat, close-on-exec, as a handle that closes it.</summary>
    /// <exception cref="SystemCallException">It failed; <paramref name="shown"/> names the node.</exception>
    public static SafeFileHandle OpenAt(int directoryFd, string name, int flags, string shown)
    {
        var fd = LibC.OpenAt(directoryFd, name, flags | LibCConstants.OCloExec);
        return fd < 0 ? throw SystemCallException.Last("open", shown) : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat for reading with O_NOATIME where the caller may (it owns the file, or is root), so
    /// that comparing a tree does not move the atimes a program set and a later comparison checks.
    /// </summary>
    public static SafeFileHandle OpenAtWithoutAtime(int directoryFd, string name, int flags, string shown)
    {
        var fd = LibC.OpenAt(directoryFd, name, flags | LibCConstants.OCloExec | LibCConstants.ONoAtime);
        if (fd < 0 && LibC.LastError() == Errno.EPERM)
            fd = LibC.OpenAt(directoryFd, name, flags | LibCConstants.OCloExec);
        return fd < 0 ? throw SystemCallException.Last("open", shown) : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The names in the directory <paramref name="directory"/> (opened for reading), "." and ".." left out.</summary>
    public static List<string> Names(SafeFileHandle directory, string shown)
    {
        var names = new List<string>();
        using var fd = LibC.Borrow(directory);
        var entries = new DirectoryEntries(fd.Fd, new byte[32 * 1024]);
        while (entries.MoveNext(out var entry))
            names.Add(Encoding.UTF8.GetString(entry.Name));
        if (entries.Error != Errno.Success)
            throw new SystemCallException("getdents64", shown, entries.Error);
        return names;
    }
}
