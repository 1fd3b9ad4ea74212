using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Recording.Binding;

/// <summary>
/// An exclusive flock(2) on a lock file, held while a mount runs and removed as it stops, whose
/// file says who holds it (pid, mountpoint, backing directory, journal) for the message of
/// whoever is refused. The kernel drops the lock with the holder's last descriptor, however it
/// ends (kill -9 too), so what a dead holder left in the file is never believed: it is read
/// only while another process holds the lock.
/// </summary>
public sealed class MountLock : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly string _path;

    private MountLock(SafeFileHandle file, string path)
    {
        _file = file;
        _path = path;
    }

    /// <summary>Takes the lock at <paramref name="path"/> (made 0600 if missing) and writes <paramref name="holder"/> into it.</summary>
    /// <exception cref="MountInUseException">Another process holds it; its message comes from <paramref name="refusal"/>, given the holder as written.</exception>
    /// <exception cref="SystemCallException">The lock file cannot be made or locked.</exception>
    public static MountLock Take(string path, MountLockHolder holder, Func<MountLockHolder?, string> refusal)
    {
        while (true)
        {
            var file = OpenOrCreate(path);
            try
            {
                using var lease = LibC.Borrow(file);
                var fd = lease.Fd;
                if (LibC.Flock(fd, LibCConstants.LockExclusive | LibCConstants.LockNonBlocking) != 0)
                {
                    var error = LibC.LastError();
                    if (error != Errno.EAGAIN)
                        throw new SystemCallException("flock", path, error);
                    throw new MountInUseException(refusal(MountLockHolder.Parse(ReadAll(fd))));
                }
                // A holder removes the file as it lets go: a lock taken on a file that is no
                // longer at the path keeps nobody out, so take the one there now.
                if (!IsAt(fd, path))
                {
                    file.Dispose();
                    continue;
                }
                var bytes = holder.Format();
                if (LibC.FTruncate(fd, 0) != 0 || LibC.PWrite(fd, bytes, 0) != bytes.Length)
                    throw new SystemCallException("write", path, LibC.LastError());
                return new MountLock(file, path);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>The lock file: created owner-only (0600 whatever the umask), or the one there opened; never through a symlink.</summary>
    private static SafeFileHandle OpenOrCreate(string path)
    {
        while (true)
        {
            try
            {
                return OwnerOnly.CreateFile(path);
            }
            catch (SystemCallException taken) when (taken.Errno == Errno.EEXIST)
            {
                // Its holder may remove it between the two opens: then create it again.
                var fd = LibC.Open(path, LibCConstants.ORdWr | LibCConstants.ONoFollow | LibCConstants.OCloExec);
                if (fd >= 0)
                    return new SafeFileHandle(fd, ownsHandle: true);
                if (LibC.LastError() is var errno && errno != Errno.ENOENT)
                    throw new SystemCallException("open", path, errno);
            }
        }
    }

    /// <summary>
    /// The lock of a backing directory, named after its identity so that every path to it
    /// takes the same one, in <paramref name="directory"/> (made 0700 if missing).
    /// </summary>
    /// <exception cref="MountInUseException">A running mount has the directory; the message names it.</exception>
    public static MountLock TakeBacking(string directory, string backing, BackingIdentity identity, MountLockHolder holder)
    {
        // The locks 0700: who mounts what is their owner's business. Their parent, made if
        // missing, as the runtime directory is (root's is 0755: everyone may ask for status).
        if (Path.GetDirectoryName(directory) is { } parent)
            Directory.CreateDirectory(parent, RuntimeDirectory.Mode);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Take(Path.Combine(directory, $"backing-{identity.Key}"), holder, other => other is null
            ? $"the backing directory {backing} is being mounted by another process: one directory takes one mount at a time"
            : $"the backing directory {backing} is mounted already at {other.MountPoint} (pid {other.Pid}) {(other.Journal.Length == 0 ? "without a journal" : $"with the journal {other.Journal}")}: one directory takes one mount at a time; 'vellum umount {other.MountPoint}' stops that mount");
    }

    /// <summary>
    /// Where the locks of backing directories go: /run/vellum/locks as root, else in the user's
    /// runtime directory (a lock there keeps out the user's own second mounts; another user's
    /// journal is kept out by the directory's mark). See <see cref="RuntimeDirectory"/>.
    /// </summary>
    public static string DefaultDirectory => Path.Combine(RuntimeDirectory.Default, "locks");

    /// <summary>Removes the lock file, then lets go of the lock (so that lock files do not pile up, one per directory ever mounted).</summary>
    public void Dispose()
    {
        if (_file.IsClosed)
            return;
        LibC.UnlinkAt(LibCConstants.AtFdCwd, _path, 0);
        _file.Dispose();
    }

    private static unsafe bool IsAt(int fd, string path)
    {
        StatxBuffer held;
        StatxBuffer there;
        byte empty = 0;
        return LibC.Statx(fd, &empty, LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &held) == 0
            && LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &there) == 0
            && held.Ino == there.Ino && held.DevMajor == there.DevMajor && held.DevMinor == there.DevMinor;
    }

    private static byte[] ReadAll(int fd)
    {
        var buffer = new byte[8192];
        var read = LibC.PRead(fd, buffer, 0);
        return read <= 0 ? [] : buffer[..(int)read];
    }
}

/// <summary>Who holds a <see cref="MountLock"/>: the mount's process and what it serves (<see cref="Journal"/> empty: no journal).</summary>
public sealed record MountLockHolder(int Pid, string MountPoint, string Backing, string Journal)
{
    private const string Kind = "vellum mount lock 1";

    public static MountLockHolder Current(string? mountPoint, string backing, string journal) =>
        new(Environment.ProcessId, mountPoint ?? "(not mounted yet)", backing, journal);

    public byte[] Format() => KeyValueText.Format(Kind, [
        ("pid", Pid.ToString(CultureInfo.InvariantCulture)),
        ("mountpoint", MountPoint),
        ("backing", Backing),
        ("journal", Journal),
    ]);

    public static MountLockHolder? Parse(ReadOnlySpan<byte> text) =>
        KeyValueText.Parse(Kind, text) is { } pairs
        && int.TryParse(pairs.GetValueOrDefault("pid"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new MountLockHolder(pid, pairs.GetValueOrDefault("mountpoint", "?"), pairs.GetValueOrDefault("backing", "?"), pairs.GetValueOrDefault("journal", "?"))
            : null;
}
