using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// The one writer of a replica: an exclusive flock(2) on the replica's root directory, held
/// by whatever applies to it (a `vellum mirror`, a serve node's mirror, a verify or rebuild,
/// any later writer) for as long as it writes. The kernel drops it with the last descriptor,
/// so a killed holder leaves nothing to clean up, and nothing is written into the replica.
/// </summary>
/// <remarks>
/// Two appliers of one replica each keep their own idea of its position and re-apply
/// transactions the other already passed; re-applying more than the last transaction is not
/// idempotent (docs/mirror.md 2), so the replica would silently differ. A flock belongs to an
/// open file description, so two opens in one process exclude each other too.
/// </remarks>
public sealed class ReplicaLock : IDisposable
{
    private int _fd;

    private ReplicaLock(string directory, int fd)
    {
        Directory = directory;
        _fd = fd;
    }

    /// <summary>The locked replica directory.</summary>
    public string Directory { get; }

    /// <summary>Locks the existing directory <paramref name="replicaDirectory"/>, without waiting.</summary>
    /// <exception cref="ReplicaLockedException">Another writer holds it; the message names who.</exception>
    /// <exception cref="MirrorException">The directory cannot be opened.</exception>
    public static ReplicaLock Acquire(string replicaDirectory)
    {
        var fd = LibC.Open(replicaDirectory, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd < 0)
            throw new MirrorException($"cannot open the replica {replicaDirectory}: {LibC.LastError().Text}");
        return Acquire(replicaDirectory, fd);
    }

    /// <summary>
    /// Locks the replica whose root is open as <paramref name="root"/>, through a descriptor of
    /// its own: the same directory (not whatever its path names by now), and a lock that
    /// outlives the root's descriptor until disposed.
    /// </summary>
    internal static ReplicaLock Acquire(ReplicaRoot root)
    {
        var fd = LibC.OpenAt(root.Descriptor, ".", LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd < 0)
            throw new MirrorException($"cannot open the replica {root.Path}: {LibC.LastError().Text}");
        return Acquire(root.Path, fd);
    }

    /// <summary>Locks <paramref name="fd"/>, which it takes: kept open by the lock, or closed when refused.</summary>
    private static ReplicaLock Acquire(string replicaDirectory, int fd)
    {
        if (LibC.Flock(fd, LibCConstants.LockExclusive | LibCConstants.LockNonBlocking) == 0)
            return new ReplicaLock(replicaDirectory, fd);
        var errno = LibC.LastError();
        try
        {
            if (errno == Errno.EAGAIN)
                throw new ReplicaLockedException(replicaDirectory, ReplicaLockHolder.Find(fd));
            throw new MirrorException($"cannot lock the replica {replicaDirectory}: {errno.Text}");
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Whether a directory's lock is free now (the directory is left unlocked): a scratch directory nobody works in any more.</summary>
    internal static bool IsFree(int directoryFd)
    {
        var fd = LibC.OpenAt(directoryFd, ".", LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd < 0)
            return false;
        try
        {
            return LibC.Flock(fd, LibCConstants.LockExclusive | LibCConstants.LockNonBlocking) == 0;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Releases the lock (closing its descriptor).</summary>
    public void Dispose()
    {
        if (_fd >= 0)
            LibC.Close(_fd);
        _fd = -1;
    }
}
