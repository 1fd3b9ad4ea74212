using System.Text;
using Vellum.Native;

namespace Vellum.Bench.Fuse;

/// <summary>Reads /proc/self/mountinfo: the kernel's own answer to "is this mounted, and as what".</summary>
internal static class MountTable
{
    /// <summary>The filesystem type mounted exactly at <paramref name="mountPoint"/>, or null.</summary>
    public static string? FsTypeAt(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint).TrimEnd('/');
        // The last entry wins: a later mount on the same point hides the earlier ones.
        return Entries().LastOrDefault(e => e.MountPoint == full).FsType;
    }

    /// <summary>The type of the filesystem holding <paramref name="path"/>: the mount with the longest matching mount point.</summary>
    public static string FsTypeOf(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/') + "/";
        return Entries()
            .Where(e => full.StartsWith(e.MountPoint.TrimEnd('/') + "/", StringComparison.Ordinal))
            .Select((e, order) => (e.FsType, e.MountPoint.Length, order))
            .OrderBy(e => e.Length)
            .ThenBy(e => e.order)
            .Last().FsType;
    }

    /// <summary>Mount points at or below <paramref name="root"/>, deepest first (the order to unmount them in).</summary>
    public static List<string> MountsUnder(string root)
    {
        var full = Path.GetFullPath(root).TrimEnd('/');
        return Entries()
            .Select(e => e.MountPoint)
            .Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(m => m.Length)
            .ToList();
    }

    /// <summary>Unmounts; if the mount is busy (a workload was interrupted inside it), detaches it lazily.</summary>
    public static void Unmount(string mountPoint)
    {
        if (LibC.Umount2(mountPoint, 0) == 0)
            return;
        var error = LibC.LastError().Text;
        if (LibC.Umount2(mountPoint, LibCConstants.MntDetach) != 0)
            Console.Error.WriteLine($"cannot unmount {mountPoint}: {error}; lazy unmount: {LibC.LastError().Text}");
    }

    /// <summary>Unmounts everything left at or below <paramref name="root"/> by an earlier, interrupted run.</summary>
    public static void ClearUnder(string root)
    {
        foreach (var mountPoint in MountsUnder(root))
        {
            Console.WriteLine($"unmounting leftover {mountPoint}");
            Unmount(mountPoint);
        }
        if (MountsUnder(root).Count > 0)
            throw new InvalidOperationException($"mounts remain under {root}; refusing to delete through them");
    }

    private static IEnumerable<(string MountPoint, string FsType)> Entries()
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || separator < 0 || separator + 1 >= fields.Length)
                continue;
            yield return (Unescape(fields[4]), fields[separator + 1]);
        }
    }

    /// <summary>The kernel writes space, tab, newline and backslash in paths as \ooo octal escapes.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string field, int start) =>
        start + 3 <= field.Length && field.AsSpan(start, 3).IndexOfAnyExcept("01234567") < 0;
}
