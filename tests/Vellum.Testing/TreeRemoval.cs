using Microsoft.Win32.SafeHandles;

namespace Vellum.Testing;

/// <summary>
/// Removes a directory tree of any depth: .NET's recursive delete goes by whole paths, which
/// fail past PATH_MAX; this goes one directory descriptor per level.
/// </summary>
public static class TreeRemoval
{
    public static void Delete(string root)
    {
        using (var directory = TreeComparisonLibC.OpenAt(TreeComparisonLibC.AtFdCwd, root, TreeComparisonLibC.ORdOnly | TreeComparisonLibC.ODirectory | TreeComparisonLibC.ONoFollow, root))
            Empty(directory, root);
        Directory.Delete(root);
    }

    private static void Empty(SafeFileHandle directory, string shown)
    {
        var fd = (int)directory.DangerousGetHandle();
        foreach (var name in TreeComparisonLibC.Names(directory, shown))
        {
            if (TreeComparisonLibC.UnlinkAt(fd, name, 0) == 0)
                continue;
            if (TreeComparisonLibC.LastError() != TreeComparisonLibC.EISDIR)
                throw TreeComparisonLibC.Failure("unlink", $"{shown}/{name}");
            using (var child = TreeComparisonLibC.OpenAt(fd, name, TreeComparisonLibC.ORdOnly | TreeComparisonLibC.ODirectory | TreeComparisonLibC.ONoFollow, name))
                Empty(child, $"{shown}/{name}");
            if (TreeComparisonLibC.UnlinkAt(fd, name, TreeComparisonLibC.AtRemoveDir) != 0)
                throw TreeComparisonLibC.Failure("rmdir", $"{shown}/{name}");
        }
    }
}
