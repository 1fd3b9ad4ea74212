using System.Text;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// Changes of every kind made directly in a backing directory while no mount runs, as an
/// administrator, a backup restore or a program started before the mount would make them.
/// </summary>
internal static class OutsideChanges
{
    /// <summary>Changes <paramref name="tree"/> in place and returns the relative paths it changed, created or removed.</summary>
    public static List<string> Make(ExistingTree tree)
    {
        var changed = new List<string>();
        string At(string relative)
        {
            changed.Add(relative);
            return Path.Combine(tree.Root, relative);
        }
        // d2 is removed and d1/d0 moved: the other changes are made outside both.
        static bool Stays(string path) => !path.StartsWith("d2/", StringComparison.Ordinal) && !path.StartsWith("d1/d0/", StringComparison.Ordinal);
        var linked = tree.HardLinks.SelectMany(names => names).ToHashSet();
        var plain = tree.Files.Where(f => !linked.Contains(f) && f != tree.LargeFile && f != tree.SparseFile && Stays(f)
            && new FileInfo(Path.Combine(tree.Root, f)).Length > 16).ToList();

        File.WriteAllText(At("outside-new.txt"), "made while no mount ran");
        Directory.CreateDirectory(At("outside-dir/inner"));
        File.WriteAllBytes(At("outside-dir/inner/file"), new byte[5000]);
        File.Delete(At(plain[0]));
        Directory.Delete(At("d2"), recursive: true);
        File.Move(At(plain[1]), At(plain[1] + ".renamed"));
        File.Move(At(plain[2]), At(Path.Combine(tree.Directories[0], "moved-here")));
        Directory.Move(At("d1/d0"), At("d0/moved-directory"));
        File.AppendAllText(At(plain[3]), "appended while no mount ran");
        using (var file = new FileStream(At(plain[4]), FileMode.Open))
            file.SetLength(file.Length / 2);
        using (var file = new FileStream(At(plain[5]), FileMode.Open))
            file.SetLength(file.Length + (1 << 20));
        Check(LibC.FChmodAt(LibCConstants.AtFdCwd, At(plain[6]), 0x1C0, 0), "chmod", plain[6]);
        Check(LibC.FChmodAt(LibCConstants.AtFdCwd, At(tree.Directories[0]), 0x1E8, 0), "chmod", tree.Directories[0]);
        Check(LibC.FChownAt(LibCConstants.AtFdCwd, At(plain[7]), 4242, 4243, 0), "chown", plain[7]);
        Check(LibC.SetXattr(At(plain[8]), "user.outside", "set while no mount ran"u8, 0), "setxattr", plain[8]);
        var tagged = plain.Skip(9).First(f => LibC.GetXattr(Path.Combine(tree.Root, f), "user.tag", new byte[256]) >= 0);
        Check(LibC.RemoveXattr(At(tagged), "user.tag"), "removexattr", tagged);
        File.SetLastWriteTimeUtc(At(plain[10]), new DateTime(2003, 4, 5, 6, 7, 8, DateTimeKind.Utc));
        RewriteKeepingSizeAndMtime(At(plain[11]));
        Check(LibC.LinkAt(LibCConstants.AtFdCwd, At(plain[12]), LibCConstants.AtFdCwd, At("outside-hard-link")), "link", plain[12]);
        File.Delete(At(tree.HardLinks.First(names => names.All(Stays))[1]));
        var symlink = tree.Symlinks.First(Stays);
        File.Delete(At(symlink));
        File.CreateSymbolicLink(At(symlink), "a new target");
        File.Delete(At(plain[13]));
        Directory.CreateDirectory(At(Path.Combine(plain[13], "now a directory")));
        using (var file = new FileStream(At(tree.SparseFile), FileMode.Open))
        {
            file.Position = 6 << 20;
            file.Write(Encoding.UTF8.GetBytes("written into the hole while no mount ran"));
        }
        return changed;
    }

    /// <summary>Changed bytes, the same size and mtime to the nanosecond: only the ctime tells.</summary>
    private static unsafe void RewriteKeepingSizeAndMtime(string path)
    {
        StatxBuffer stat;
        Check(LibC.Statx(LibCConstants.AtFdCwd, path, 0, LibCConstants.StatxBasicStats, &stat), "statx", path);
        using (var file = new FileStream(path, FileMode.Open))
        {
            var first = new byte[2];
            file.ReadExactly(first);
            file.Position = 0;
            file.Write([(byte)~first[0], (byte)~first[1]]);
        }
        var times = stackalloc TimeSpec[2];
        times[0].Nanoseconds = LibCConstants.UtimeOmit;
        times[1].Seconds = stat.MtimeSeconds;
        times[1].Nanoseconds = stat.MtimeNanoseconds;
        Check(LibC.UtimensAt(LibCConstants.AtFdCwd, path, times, 0), "utimensat", path);
    }

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
            throw SystemCallException.Last(call, path);
    }
}
