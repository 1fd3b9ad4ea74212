using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>
/// Mounting without root through the setuid helper fusermount3: it opens /dev/fuse, mounts,
/// and passes the descriptor back over the socket named by <c>_FUSE_COMMFD</c> (SCM_RIGHTS).
/// </summary>
internal static unsafe class FuserMount
{
    private const string Helper = "fusermount3";

    public static int Mount(string mountPoint, string options)
    {
        var fds = stackalloc int[2];
        if (LibC.SocketPair(LibCConstants.AfUnix, LibCConstants.SockStream, 0, fds) != 0)
        {
            throw FuseException.FromLastError("cannot create the socket pair for fusermount3");
        }

        try
        {
            // The helper inherits fds[1]: it is created without O_CLOEXEC for that.
            var start = new ProcessStartInfo(Helper, ["-o", options, "--", mountPoint]) { UseShellExecute = false };
            start.Environment["_FUSE_COMMFD"] = fds[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var helper = StartHelper(start);
            LibC.Close(fds[1]);
            fds[1] = -1;
            var fd = ReceiveFd(fds[0]);
            helper.WaitForExit();
            if (fd < 0)
            {
                throw new FuseException($"fusermount3 could not mount at {mountPoint} (exit code {helper.ExitCode})", Errno.EIO);
            }

            return fd;
        }
        finally
        {
            LibC.Close(fds[0]);
            if (fds[1] >= 0)
            {
                LibC.Close(fds[1]);
            }
        }
    }

    public static void Unmount(string mountPoint)
    {
        using var helper = StartHelper(new ProcessStartInfo(Helper, ["-u", "-z", "--", mountPoint]) { UseShellExecute = false });
        helper.WaitForExit();
    }

    private static Process StartHelper(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new FuseException("cannot start fusermount3", Errno.ENOENT);
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new FuseException($"cannot start fusermount3 (is the fuse3 package installed?): {error.Message}", error);
        }
    }

    /// <summary>The descriptor in the SCM_RIGHTS message, or -1 when the helper sent none.</summary>
    private static int ReceiveFd(int socket)
    {
        byte data;
        // cmsghdr (len 8, level 4, type 4) followed by one int, padded to 8: 24 bytes.
        var control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        var iov = new LibC.IoVec { Base = &data, Len = 1 };
        var message = new LibC.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 24 };
        nint received;
        do
        {
            received = LibC.RecvMsg(socket, &message, 0);
        }
        while (received < 0 && LibC.LastError() == Errno.EINTR);

        if (received <= 0 || message.ControlLen < 20)
        {
            return -1;
        }

        var level = *(int*)(control + 8);
        var type = *(int*)(control + 12);
        return level == LibCConstants.SolSocket && type == LibCConstants.ScmRights ? *(int*)(control + 16) : -1;
    }
}
