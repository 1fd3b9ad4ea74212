namespace Vellum.Native;

/// <summary>
/// Directories created with exactly the mode asked for, whatever the process umask: mkdir asks
/// for the mode (the umask can only narrow it), then fchmod through a descriptor of the new
/// directory sets it exactly. Why not Directory.CreateDirectory: it asks for 0777 and leaves the
/// rest to the umask, and a journaled mount's daemon runs with umask 0 (the passthrough applies
/// each caller's own), so there it makes directories anyone can write into.
/// </summary>
public static class ExactDirectory
{
    /// <summary>rwxr-xr-x: a directory others may pass through and list, as a parent of files whose own modes then decide.</summary>
    public const uint Shared = 0x1ED;

    /// <summary>rwx------: a directory only its owner reaches.</summary>
    public const uint Private = 0x1C0;

    /// <summary>
    /// Creates <paramref name="path"/> with exactly <paramref name="mode"/>, and each missing
    /// parent with exactly <paramref name="parentMode"/>. True when it was created; false when
    /// a directory was there already, which is left as it is.
    /// </summary>
    /// <exception cref="SystemCallException">It could not be made (no permission, a file in its place, a read-only filesystem, ...).</exception>
    public static bool Create(string path, uint mode, uint parentMode = Shared)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (LibC.MkdirAt(LibCConstants.AtFdCwd, full, mode) != 0)
        {
            var errno = LibC.LastError();
            if (errno == Errno.EEXIST && Directory.Exists(full))
                return false;
            if (errno != Errno.ENOENT || Path.GetDirectoryName(full) is not { } parent)
                throw new SystemCallException("mkdir", full, errno);
            Create(parent, parentMode, parentMode);
            if (LibC.MkdirAt(LibCConstants.AtFdCwd, full, mode) != 0)
            {
                errno = LibC.LastError();
                if (errno == Errno.EEXIST && Directory.Exists(full))
                    return false;
                throw new SystemCallException("mkdir", full, errno);
            }
        }
        SetMode(full, mode);
        return true;
    }

    /// <summary>Sets the mode of the directory just made through a descriptor of it, not following a symlink put in its place.</summary>
    private static void SetMode(string directory, uint mode)
    {
        var fd = LibC.Open(directory, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0)
            throw SystemCallException.Last("open", directory);
        try
        {
            if (LibC.FChmod(fd, mode) != 0)
                throw SystemCallException.Last("fchmod", directory);
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
