using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// Removing a node with everything under it, one directory descriptor per level: never by
/// a path from the root (a replica may be deeper than PATH_MAX) and never through a symlink
/// (unlinkat removes a symlink itself; a directory is opened with O_NOFOLLOW).
/// </summary>
internal static unsafe class ReplicaTree
{
    /// <summary>Removes <paramref name="name"/> (NUL-terminated) in <paramref name="directory"/>, a directory with its subtree; the first errno that stopped it.</summary>
    public static Errno Remove(int directory, ReadOnlySpan<byte> name)
    {
        fixed (byte* p = name)
        {
            if (LibC.UnlinkAt(directory, p, 0) == 0)
                return Errno.Success;
            if (LibC.LastError() != Errno.EISDIR)
                return LibC.LastError();
            var fd = LibC.OpenAt(directory, p, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
            if (fd < 0)
                return LibC.LastError();
            Errno errno;
            try
            {
                errno = Empty(fd);
            }
            finally
            {
                LibC.Close(fd);
            }
            if (errno != Errno.Success)
                return errno;
            return LibC.UnlinkAt(directory, p, LibCConstants.AtRemoveDir) == 0 ? Errno.Success : LibC.LastError();
        }
    }

    /// <summary>Removes every entry of the open directory <paramref name="directory"/>.</summary>
    private static Errno Empty(int directory)
    {
        var listed = DirectoryListing.Read(directory, out var names);
        if (listed != Errno.Success)
            return listed;
        foreach (var name in names)
        {
            var errno = Remove(directory, name);
            if (errno is not Errno.Success and not Errno.ENOENT)
                return errno;
        }
        return Errno.Success;
    }
}
