using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Paths deeper than PATH_MAX. The kernel gives a descriptor's path only up to PATH_MAX
/// from the filesystem's root (readlink of /proc/self/fd/N fails with ENAMETOOLONG past
/// it), while a tree under the backing root can be deeper. Such a path is built bottom-up:
/// a directory's name is found in its parent (opened with openat "..") by inode, until an
/// ancestor the kernel can name, or the root. A file has no ".."; the passthrough's names
/// for it give its directory. Rare, so nothing here is kept between calls.
/// </summary>
internal sealed partial class BackingPaths
{
    private const int DirectoryBufferSize = 32 * 1024;

    private PathLookup FindDeep(int fd, PathBuffer into, ulong node)
    {
        if (BackingInspection.Stat(fd, out var stat) != Errno.Success)
            return PathLookup.Nameless;
        if (!stat.IsDirectory)
            return stat.Nlink == 0 ? PathLookup.Nameless : FromLiveNames(node, into);
        NodeStat root;
        using (var mount = LibC.Borrow(MountRoot()))
        {
            if (mount.Fd < 0 || BackingInspection.Stat(mount.Fd, out root) != Errno.Success)
                return PathLookup.Nameless;
        }
        var current = LibC.OpenDirectoryAt(fd, "."u8, LibCConstants.OPath);
        if (current < 0)
            return PathLookup.Nameless;
        var names = new List<byte[]>();
        var length = 0;
        try
        {
            while (stat.Dev != root.Dev || stat.Ino != root.Ino)
            {
                if (names.Count > 0)
                {
                    into.Clear();
                    var error = BackingInspection.PathOf(current, into.Bytes, out var total);
                    if (error == Errno.Success)
                        return MakeRelative(into, total) is var prefix && prefix == PathLookup.Found ? AppendNames(into, names) : prefix;
                    if (error != Errno.ENAMETOOLONG)
                        return PathLookup.Nameless;
                }
                var parent = LibC.OpenDirectoryAt(current, ".."u8, LibCConstants.ORdOnly);
                if (parent < 0)
                    return PathLookup.Nameless;
                LibC.Close(current);
                current = parent;
                if (BackingInspection.Stat(parent, out var parentStat) != Errno.Success
                    || (parentStat.Dev == stat.Dev && parentStat.Ino == stat.Ino)
                    || NameIn(parent, stat) is not { } name)
                    return PathLookup.Nameless;
                length += name.Length + 1;
                if (length > Journal.Format.JournalLimits.MaxPathLength + 1)
                    return PathLookup.TooLong;
                names.Add(name);
                stat = parentStat;
            }
            into.Clear();
            return AppendNames(into, names);
        }
        finally
        {
            LibC.Close(current);
        }
    }

    /// <summary>Appends the names found walking up, the topmost first.</summary>
    private static PathLookup AppendNames(PathBuffer into, List<byte[]> names)
    {
        for (var i = names.Count - 1; i >= 0; i--)
        {
            if ((into.Length != 0 && !into.Append("/"u8)) || !into.Append(names[i]))
                return PathLookup.TooLong;
        }
        return PathLookup.Found;
    }

    /// <summary>The name in <paramref name="directoryFd"/> (opened for reading) of the inode <paramref name="child"/>, checked by a stat; null when it has none.</summary>
    private static byte[]? NameIn(int directoryFd, NodeStat child)
    {
        var entries = new DirectoryEntries(directoryFd, new byte[DirectoryBufferSize]);
        while (entries.MoveNext(out var entry))
        {
            if (entry.Ino == child.Ino && BackingInspection.StatAt(directoryFd, entry.Name, out var found) == Errno.Success && found.Dev == child.Dev && found.Ino == child.Ino)
                return entry.Name.ToArray();
        }
        return null;
    }
}
