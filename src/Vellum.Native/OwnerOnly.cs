using Microsoft.Win32.SafeHandles;

namespace Vellum.Native;

/// <summary>
/// The one way Vellum creates and opens what holds journal data, metadata and keys: directories
/// 0700 and files 0600 whatever the umask (the mode given to mkdir and open is narrowed by the
/// umask, so the exact mode is set with fchmod afterwards, and an ACL inherited from a parent's
/// default ACL is removed), new files created exclusively and without following a symlink
/// (O_CREAT | O_EXCL | O_NOFOLLOW: a name planted there, a symlink included, fails the create
/// instead of redirecting it), and existing ones opened with O_NOFOLLOW. A directory Vellum
/// writes into must be a real directory owned by the process's effective user: one another user
/// made (or a symlink they planted) before Vellum came could be read or swapped by them.
/// </summary>
public static class OwnerOnly
{
    /// <summary>rwx------</summary>
    public const uint DirectoryMode = 0x1C0;

    /// <summary>rw-------</summary>
    public const uint FileMode = 0x180;

    /// <summary>
    /// Opens <paramref name="path"/> as a private directory to write into: creates it, and each
    /// missing parent, owner-only (parents that exist are reached as they are, symlinks
    /// included, as /var/run is); an existing one must be a real directory (its last component
    /// not a symlink) owned by the effective user. Returns an O_DIRECTORY descriptor of it, for
    /// the *at() calls.
    /// </summary>
    /// <param name="role">What the directory is, for messages ("the journal").</param>
    /// <param name="created">Whether this call created it.</param>
    /// <exception cref="NotPrivateException">It is a symlink or another user's.</exception>
    /// <exception cref="SystemCallException">It could not be created or opened (the errno says why: EACCES, EROFS, ENOTDIR, ...).</exception>
    public static SafeFileHandle OpenDirectory(string path, string role, out bool created)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parent = LibC.Open("/", LibCConstants.OPath | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (parent < 0)
            throw SystemCallException.Last("open", "/");
        created = false;
        try
        {
            var reached = "";
            for (var i = 0; i < parts.Length; i++)
            {
                reached += "/" + parts[i];
                var last = i == parts.Length - 1;
                var next = last ? OpenLast(parent, parts[i], reached, role, out created) : OpenParent(parent, parts[i], reached);
                LibC.Close(parent);
                parent = next;
            }
            if (parts.Length == 0)
                parent = Reopen(parent, "/", role);
            return new SafeFileHandle(parent, ownsHandle: true);
        }
        catch
        {
            LibC.Close(parent);
            throw;
        }
    }

    /// <summary><see cref="OpenDirectory"/> without keeping the descriptor; whether it was created.</summary>
    public static bool CreateDirectory(string path, string role = "the directory")
    {
        using var _ = OpenDirectory(path, role, out var created);
        return created;
    }

    /// <summary>
    /// Creates the file <paramref name="path"/>, which must not exist (as anything, a symlink
    /// included: EEXIST), mode exactly 0600, and opens it with <paramref name="access"/>
    /// (<see cref="LibCConstants.ORdWr"/> or <see cref="LibCConstants.OWrOnly"/>).
    /// </summary>
    /// <exception cref="SystemCallException">open failed (EEXIST when the name is taken).</exception>
    public static SafeFileHandle CreateFile(string path, int access = LibCConstants.ORdWr) =>
        CreateFileAt(LibCConstants.AtFdCwd, path, path, access);

    /// <summary><see cref="CreateFile"/> of <paramref name="name"/> in the directory open as <paramref name="directory"/>; <paramref name="path"/> names it in errors.</summary>
    public static SafeFileHandle CreateFileAt(SafeFileHandle directory, string name, string path, int access = LibCConstants.ORdWr)
    {
        using var lease = LibC.Borrow(directory);
        return CreateFileAt(lease.Fd, name, path, access);
    }

    private static SafeFileHandle CreateFileAt(int directory, string name, string path, int access)
    {
        var fd = LibC.OpenAt(directory, name, access | LibCConstants.OCreat | LibCConstants.OExcl | LibCConstants.ONoFollow | LibCConstants.OCloExec, FileMode);
        if (fd < 0)
            throw SystemCallException.Last("create", path);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Restrict(fd, FileMode, path);
            return handle;
        }
        catch
        {
            handle.Dispose();
            LibC.UnlinkAt(directory, name, 0);
            throw;
        }
    }

    /// <summary>
    /// Opens an existing file with <paramref name="flags"/>, refusing a symlink in its place: a
    /// file of a private directory is never a link to somewhere else.
    /// </summary>
    /// <exception cref="NotPrivateException">It is a symlink.</exception>
    /// <exception cref="SystemCallException">open failed otherwise.</exception>
    public static SafeFileHandle OpenFile(string path, int flags)
    {
        var fd = LibC.Open(path, flags | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd >= 0)
            return new SafeFileHandle(fd, ownsHandle: true);
        var errno = LibC.LastError();
        if (errno == Errno.ELOOP)
            throw new NotPrivateException(path, $"{path} is a symbolic link{LinkTarget(path)}; Vellum never follows one in a journal or store: remove it (rm {path})");
        throw new SystemCallException("open", path, errno);
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/> through a temporary beside
    /// it (<see cref="CreateReplacement"/>, <see cref="CommitReplacement"/>): a reader, or the
    /// next start after a crash, finds the old file or the new one, whole and owner-only.
    /// </summary>
    public static void WriteReplacing(string path, ReadOnlySpan<byte> bytes, string? temporary = null)
    {
        using var replacement = CreateReplacement(path, temporary);
        replacement.Write(bytes);
        CommitReplacement(replacement, path, temporary);
    }

    /// <summary>
    /// The temporary that will replace <paramref name="path"/> (<paramref name="temporary"/>,
    /// PATH.new by default), open for writing: created owner-only and exclusively, after removing
    /// one a crash left, so it is never a file another user made or a symlink (a rename keeps
    /// the temporary's mode and identity).
    /// </summary>
    public static FileStream CreateReplacement(string path, string? temporary = null)
    {
        temporary ??= path + ".new";
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, temporary, 0) != 0 && LibC.LastError() is var errno && errno != Errno.ENOENT)
            throw new SystemCallException("unlink", temporary, errno);
        return new FileStream(CreateFile(temporary, LibCConstants.OWrOnly), FileAccess.Write, 1);
    }

    /// <summary>Syncs the written <paramref name="replacement"/>, renames it over <paramref name="path"/> and syncs the directory; the stream stays open.</summary>
    public static void CommitReplacement(FileStream replacement, string path, string? temporary = null)
    {
        replacement.Flush(flushToDisk: true);
        File.Move(temporary ?? path + ".new", path, overwrite: true);
        LibC.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Makes what <paramref name="handle"/> has open owner-only (a directory 0700, anything else
    /// 0600, ACLs removed): for a directory that exists already but holds nothing yet, which
    /// Vellum is about to fill as if it had created it.
    /// </summary>
    public static unsafe void MakePrivate(SafeFileHandle handle, string path)
    {
        using var lease = LibC.Borrow(handle);
        StatxBuffer stat;
        if (LibC.Statx(lease.Fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
            throw SystemCallException.Last("stat", path);
        Restrict(lease.Fd, (stat.Mode & LibCConstants.SIfMt) == LibCConstants.SIfDir ? DirectoryMode : FileMode, path);
    }

    /// <summary>Sets the exact mode of the open <paramref name="fd"/> and removes any ACL it inherited (a parent's default ACL), so only the owner has access.</summary>
    private static void Restrict(int fd, uint mode, string path)
    {
        if (LibC.FChmod(fd, mode) != 0)
            throw SystemCallException.Last("fchmod", path);
        RemoveAcl(fd, PosixAcl.AccessXattr, path);
        if (mode == DirectoryMode)
            RemoveAcl(fd, PosixAcl.DefaultXattr, path);
    }

    private static void RemoveAcl(int fd, string xattr, string path)
    {
        if (LibC.FRemoveXattr(fd, xattr) != 0 && LibC.LastError() is var errno && errno is not (Errno.ENODATA or Errno.EOPNOTSUPP))
            throw new SystemCallException("removexattr " + xattr, path, errno);
    }

    /// <summary>A parent on the way: opened as it is (following a symlink), or created owner-only when missing.</summary>
    private static int OpenParent(int parent, string name, string reached)
    {
        var fd = LibC.OpenAt(parent, name, LibCConstants.OPath | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd >= 0)
            return fd;
        if (LibC.LastError() is var errno && errno != Errno.ENOENT)
            throw new SystemCallException("open", reached, errno);
        if (MakeDirectory(parent, name, reached, out _) is { } made)
            return made;
        // Another process made it first: reached as it is, like any parent that exists.
        fd = LibC.OpenAt(parent, name, LibCConstants.OPath | LibCConstants.ODirectory | LibCConstants.OCloExec);
        return fd >= 0 ? fd : throw SystemCallException.Last("open", reached);
    }

    /// <summary>The directory itself: created owner-only when missing, else opened without following a symlink and checked to be the effective user's.</summary>
    private static int OpenLast(int parent, string name, string path, string role, out bool created)
    {
        created = false;
        var fd = LibC.OpenAt(parent, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0 && LibC.LastError() == Errno.ENOENT)
        {
            if (MakeDirectory(parent, name, path, out var made) is { } madeFd)
            {
                created = made;
                return madeFd;
            }
            fd = LibC.OpenAt(parent, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        }
        if (fd < 0)
        {
            var errno = LibC.LastError();
            if (IsSymlink(parent, name))
                throw new NotPrivateException(path, $"{role} {path} is a symbolic link{LinkTarget(path)}; Vellum writes only into a real directory, so that nobody can point it elsewhere: give the directory's own path");
            throw errno == Errno.ENOTDIR
                ? new NotPrivateException(path, $"{role} {path} is a file, not a directory")
                : new SystemCallException("open", path, errno);
        }
        try
        {
            CheckOwner(fd, path, role);
            return fd;
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
    }

    /// <summary>Reopens the root directory for reading, checked like any other.</summary>
    private static int Reopen(int pathFd, string path, string role)
    {
        var fd = LibC.OpenAt(pathFd, ".", LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        LibC.Close(pathFd);
        if (fd < 0)
            throw SystemCallException.Last("open", path);
        CheckOwner(fd, path, role);
        return fd;
    }

    /// <summary>mkdirat owner-only; the new directory's descriptor, or null when another process made it first (EEXIST).</summary>
    private static int? MakeDirectory(int parent, string name, string path, out bool created)
    {
        created = false;
        if (LibC.MkdirAt(parent, name, DirectoryMode) != 0)
        {
            return LibC.LastError() is var errno && errno == Errno.EEXIST
                ? null
                : throw new SystemCallException("mkdir", path, errno);
        }
        var fd = LibC.OpenAt(parent, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0)
            throw SystemCallException.Last("open", path);
        try
        {
            Restrict(fd, DirectoryMode, path);
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
        created = true;
        return fd;
    }

    private static unsafe void CheckOwner(int fd, string path, string role)
    {
        StatxBuffer stat;
        if (LibC.Statx(fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
            throw SystemCallException.Last("stat", path);
        var user = LibC.GetEuid();
        if (stat.Uid != user)
        {
            throw new NotPrivateException(path,
                $"{role} {path} belongs to {Accounts.DescribeUser(stat.Uid)}, not to {Accounts.DescribeUser(user)} who runs Vellum: its owner could read or replace what Vellum writes there; choose a directory of your own (one that does not exist yet is created private)");
        }
    }

    private static unsafe bool IsSymlink(int parent, string name)
    {
        StatxBuffer stat;
        return LibC.Statx(parent, name, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) == 0
            && (stat.Mode & LibCConstants.SIfMt) == LibCConstants.SIfLnk;
    }

    private static string LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is { } target ? $" (to {target})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
