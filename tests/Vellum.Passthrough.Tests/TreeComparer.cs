using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>Compares two directory trees by everything but times and inode numbers.</summary>
internal static class TreeComparer
{
    public static void AssertSame(string expected, string actual)
    {
        Assert.Equal(Describe(expected), Describe(actual));
    }

    private static List<string> Describe(string root)
    {
        var lines = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var stat = Posix.Lstat(path);
            var type = stat.Mode & 0xF000;
            var content = type switch
            {
                LibCConstants.SIfReg => Convert.ToHexString(File.ReadAllBytes(path)),
                0xA000 => new FileInfo(path).LinkTarget,
                _ => "",
            };
            var size = type == LibCConstants.SIfDir ? 0 : stat.Size;
            lines.Add($"{Path.GetRelativePath(root, path)} mode={stat.Mode:X} uid={stat.Uid} gid={stat.Gid} nlink={stat.Nlink} size={size} rdev={stat.Rdev} {content}");
        }
        return lines;
    }
}
