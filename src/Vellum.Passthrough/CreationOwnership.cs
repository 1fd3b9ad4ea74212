using Vellum.Native;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>
/// Gives a newly created object the owner, group and mode it would have had if the caller
/// had created it on the backing filesystem directly.
/// </summary>
/// <remarks>
/// Why create as root and then chown, rather than setfsuid/setfsgid around the syscall:
/// the kernel has already checked the caller's permissions with its full credentials
/// (default_permissions), supplementary groups included. A thread with a non-zero fsuid
/// loses CAP_DAC_OVERRIDE and friends and carries the daemon's supplementary groups, not
/// the caller's, so the backing syscall would refuse what the kernel allowed (a directory
/// writable through a supplementary group), and restoring capabilities per call would
/// cost more syscalls than the chown. As root, every allowed operation succeeds, and the
/// creation rules that depend on the caller are few and applied here:
/// <list type="bullet">
/// <item>owner = the caller's uid;</item>
/// <item>group = the parent's group when the parent is setgid (the kernel already did
/// this, creating as root), else the caller's gid;</item>
/// <item>new directories in a setgid parent are setgid (the kernel already did this);</item>
/// <item>chown clears S_ISUID/S_ISGID on non-directories, so requested set-id bits are
/// restored, except that S_ISGID is dropped (as the kernel's mode_strip_sgid does) for a
/// group-executable non-directory in a setgid parent whose group is not the caller's.
/// The caller's supplementary groups are unknown here, so only its primary gid counts.</item>
/// </list>
/// </remarks>
internal sealed unsafe class CreationOwnership(uint daemonUid, uint daemonGid)
{
    /// <param name="fd">The new object: its O_PATH node descriptor or an open descriptor.</param>
    /// <param name="parentFd">The directory it was created in.</param>
    /// <param name="mode">The type and permission bits it was created with (after the umask).</param>
    public Errno Apply(int fd, int parentFd, in Caller caller, uint mode)
    {
        if (caller.Uid == daemonUid && caller.Gid == daemonGid)
        {
            return Errno.Success;
        }
        var error = BackingStat.Of(parentFd, out var parent);
        if (error != Errno.Success)
        {
            return error;
        }
        var parentSetgid = (parent.Mode & LibCConstants.SISgid) != 0;
        var gid = parentSetgid ? parent.Gid : caller.Gid;
        byte empty = 0;
        if (LibC.FChownAt(fd, &empty, caller.Uid, gid, LibCConstants.AtEmptyPath | LibCConstants.AtSymlinkNoFollow) != 0)
        {
            return LibC.LastError();
        }
        var type = mode & LibCConstants.SIfMt;
        var setId = mode & (LibCConstants.SISuid | LibCConstants.SISgid);
        if (type == LibCConstants.SIfDir || type == LibCConstants.SIfLnk || setId == 0)
        {
            return Errno.Success;
        }
        var permissions = mode & LibCConstants.PermissionBits;
        if (parentSetgid && (permissions & LibCConstants.SIxGrp) != 0 && caller.Uid != 0 && caller.Gid != parent.Gid)
        {
            permissions &= ~LibCConstants.SISgid;
        }
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(fd, path);
        fixed (byte* p = path)
        {
            return LibC.Chmod(p, permissions) == 0 ? Errno.Success : LibC.LastError();
        }
    }
}
