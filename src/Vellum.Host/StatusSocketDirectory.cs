using System.Security.Cryptography;
using System.Text;
using Vellum.Native;
using Vellum.Recording.Binding;

namespace Vellum.Host;

/// <summary>
/// Where the status sockets of mounts are: the directory "status" in the
/// <see cref="RuntimeDirectory"/>, each socket named after a hash of its mountpoint (a unix
/// socket's name has at most 108 bytes, a mountpoint up to 4,096). Root's is written by root
/// only, so nobody else can take a mount's name there before it; a client checks who answers
/// all the same (<see cref="MountStatusClient"/>).
/// </summary>
public static class StatusSocketDirectory
{
    /// <summary>Root's, where every user's `vellum status` asks first: /run/vellum/status.</summary>
    public static readonly string System = Path.Combine(RuntimeDirectory.System, "status");

    /// <summary>This process's: <see cref="System"/> as root, else in the user's runtime directory.</summary>
    public static string Default => Path.Combine(RuntimeDirectory.Default, "status");

    /// <summary>Where a client looks, in order: root's mounts, then (not root) the user's own.</summary>
    public static IReadOnlyList<string> Searched => Environment.IsPrivilegedProcess ? [System] : [System, Default];

    /// <summary>sun_path's size, the terminating NUL included.</summary>
    private const int MaxSocketPath = 108;

    /// <summary>The socket of the mount at <paramref name="mountPoint"/> (a full path) in <paramref name="directory"/>: the first 32 hex digits of the path's SHA-256.</summary>
    public static string SocketPath(string directory, string mountPoint) =>
        Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mountPoint)))[..32]);

    /// <summary>
    /// Makes <paramref name="directory"/> and its parent if missing, with the runtime directory's
    /// mode, and checks that both are this user's own: a symbolic link, a directory of another
    /// owner or one that group or others may write was made by someone else, who could replace
    /// the socket made there, and is refused. A directory of this user's with another mode gets
    /// the right one (an older vellum made /run/vellum 0700).
    /// </summary>
    /// <exception cref="MountStartException">Either is not this user's own, or cannot be made.</exception>
    internal static void Prepare(string directory)
    {
        if (Encoding.UTF8.GetByteCount(SocketPath(directory, "")) >= MaxSocketPath)
            throw new MountStartException($"the status directory {directory} is too long a path for a unix socket (at most {MaxSocketPath - 34} bytes); set XDG_RUNTIME_DIR to a shorter one");
        var parent = Path.GetDirectoryName(directory) ?? throw new MountStartException($"the status directory {directory} has no parent");
        var mode = (uint)RuntimeDirectory.Mode;
        var parentFd = OpenOwn(LibCConstants.AtFdCwd, parent, parent, mode);
        try
        {
            LibC.Close(OpenOwn(parentFd, Path.GetFileName(directory), directory, mode));
        }
        finally
        {
            LibC.Close(parentFd);
        }
    }

    /// <summary>The directory <paramref name="name"/> in <paramref name="dirFd"/>, made if missing, checked and given <paramref name="mode"/>; its descriptor.</summary>
    private static unsafe int OpenOwn(int dirFd, string name, string path, uint mode)
    {
        if (LibC.MkdirAt(dirFd, name, mode) != 0 && LibC.LastError() is var made && made != Errno.EEXIST)
            throw new MountStartException($"cannot create the status directory {path}: {made.Text}");
        var fd = LibC.OpenAt(dirFd, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0)
        {
            var error = LibC.LastError();
            StatxBuffer there;
            if (error is not (Errno.ELOOP or Errno.ENOTDIR) || LibC.Statx(dirFd, name, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &there) != 0)
                throw new MountStartException($"cannot open the status directory {path}: {error.Text}");
            throw Planted(path, (there.Mode & LibCConstants.SIfMt) == LibCConstants.SIfLnk ? "is a symbolic link" : "is not a directory");
        }
        try
        {
            StatxBuffer stat;
            byte empty = 0;
            if (LibC.Statx(fd, &empty, LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
                throw new MountStartException($"cannot stat the status directory {path}: {LibC.LastError().Text}");
            var euid = LibC.GetEuid();
            if (stat.Uid != euid)
                throw Planted(path, $"is owned by uid {stat.Uid}, not {(euid == 0 ? "root" : $"uid {euid}")}");
            const uint writableByOthers = 0x12; // S_IWGRP | S_IWOTH
            if ((stat.Mode & writableByOthers) != 0)
                throw new MountStartException($"the status directory {path} may be written by group or others (mode {Octal(stat.Mode & 0xFFFu)}): anyone could replace a mount's status socket there; 'chmod go-w {path}' if you made it so, else remove it ('rm -r {path}') and mount again");
            if ((stat.Mode & 0xFFF) != mode && LibC.FChmod(fd, mode) != 0)
                throw new MountStartException($"cannot chmod the status directory {path} to {Octal(mode)}: {LibC.LastError().Text}");
            return fd;
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
    }

    private static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(4, '0');

    private static MountStartException Planted(string path, string what) =>
        new($"the status directory {path} {what}: someone else made it, and could replace a mount's status socket there; remove it ('rm -r {path}') and mount again");
}
