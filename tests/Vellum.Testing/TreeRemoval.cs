using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>
/// Removes a directory tree of any depth: .NET's recursive delete goes by whole paths, which
/// fail past PATH_MAX; this goes one directory descriptor per level.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TreeRemoval
{
    public static void Delete(string root)
    {
        using (var directory = TreeDirectory.OpenAt(LibCConstants.AtFdCwd, root, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow, root))
            Empty(directory, root);
        Directory.Delete(root);
    }

    private static void Empty(SafeFileHandle directory, string shown)
    {
        var fd = (int)directory.DangerousGetHandle();
        foreach (var name in TreeDirectory.Names(directory, shown))
        {
            if (LibC.UnlinkAt(fd, name, 0) == 0)
                continue;
            if (LibC.LastError() != Errno.EISDIR)
                throw SystemCallException.Last("unlink", $"{shown}/{name}");
            using (var child = TreeDirectory.OpenAt(fd, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow, name))
                Empty(child, $"{shown}/{name}");
            if (LibC.UnlinkAt(fd, name, LibCConstants.AtRemoveDir) != 0)
                throw SystemCallException.Last("rmdir", $"{shown}/{name}");
        }
    }
}
