using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>
/// Makes sure a mountpoint can be used: a stale FUSE mount (its server died, so stat gives
/// ENOTCONN) is detached; a live mount or anything but an empty directory is refused.
/// </summary>
internal static class MountPointGuard
{
    public static void Prepare(string mountPoint)
    {
        var mounted = MountInfo.FileSystemTypeAt(mountPoint);
        var statError = mounted is not null && mounted.StartsWith("fuse", StringComparison.Ordinal) ? LibC.StatFsError(mountPoint) : LibC.StatError(mountPoint);
        if (statError == Errno.ENOTCONN || (mounted is not null && mounted.StartsWith("fuse", StringComparison.Ordinal) && statError != Errno.Success))
        {
            if (LibC.GetEuid() != 0)
            {
                // Without root only the setuid helper may unmount (a mount this user made).
                FuserMount.Unmount(mountPoint);
            }
            else if (LibC.Umount2(mountPoint, LibCConstants.MntDetach) != 0)
            {
                throw FuseException.FromLastError($"cannot clear the stale FUSE mount at {mountPoint}");
            }

            mounted = MountInfo.FileSystemTypeAt(mountPoint);
            statError = LibC.StatError(mountPoint);
        }

        if (mounted is not null)
        {
            throw new FuseException($"cannot mount at {mountPoint}: a live {mounted} filesystem is already mounted there", Errno.EBUSY);
        }

        if (statError != Errno.Success || !Directory.Exists(mountPoint))
        {
            throw new FuseException($"cannot mount at {mountPoint}: it is not a directory", statError == Errno.Success ? Errno.ENOTDIR : statError);
        }

        if (Directory.EnumerateFileSystemEntries(mountPoint).Any())
        {
            throw new FuseException($"cannot mount at {mountPoint}: the directory is not empty", Errno.ENOTEMPTY);
        }
    }
}
