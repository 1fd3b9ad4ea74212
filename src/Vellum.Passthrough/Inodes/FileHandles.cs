using Vellum.Native;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough.Inodes;

/// <summary>
/// Kernel file handles (name_to_handle_at / open_by_handle_at): a name-independent,
/// generation-checked reference to an inode that costs no descriptor, so a node's O_PATH
/// descriptor can be closed and the same inode reopened later, wherever it has been renamed
/// to. Reopening needs CAP_DAC_READ_SEARCH and a filesystem that can decode handles.
/// </summary>
internal static unsafe class FileHandles
{
    /// <summary>struct file_handle's header: handle_bytes (u32) and handle_type (i32).</summary>
    private const int HeaderSize = 8;

    /// <summary>The handle of the inode <paramref name="fd"/> refers to, or null when its filesystem gives none.</summary>
    public static byte[]? Capture(int fd)
    {
        var buffer = stackalloc byte[HeaderSize + LibCConstants.MaxHandleSize];
        *(uint*)buffer = LibCConstants.MaxHandleSize;
        byte empty = 0;
        int mountId;
        if (LibC.NameToHandleAt(fd, &empty, buffer, &mountId, LibCConstants.AtEmptyPath) != 0)
        {
            return null;
        }
        return new ReadOnlySpan<byte>(buffer, HeaderSize + (int)*(uint*)buffer).ToArray();
    }

    /// <summary>An O_PATH descriptor for the inode of <paramref name="handle"/>, or -1 with errno set (ESTALE once the inode is gone).</summary>
    public static int Open(int mountFd, byte[] handle)
    {
        fixed (byte* h = handle)
        {
            return LibC.OpenByHandleAt(mountFd, h, LibCConstants.OPath | LibCConstants.OCloExec);
        }
    }

    /// <summary>
    /// A descriptor open_by_handle_at accepts as its mount argument for the filesystem of
    /// <paramref name="rootFd"/> (O_PATH descriptors are refused there, with EBADF), once a
    /// round trip of the root's own handle proved handles reopen here; -1 when they do not.
    /// </summary>
    public static int OpenMountFd(int rootFd)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(rootFd, path);
        int mountFd;
        fixed (byte* p = path)
        {
            mountFd = LibC.OpenAt(LibCConstants.AtFdCwd, p, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec, 0);
        }
        if (mountFd < 0)
        {
            return -1;
        }
        var handle = Capture(rootFd);
        var fd = handle is null ? -1 : Open(mountFd, handle);
        if (fd < 0)
        {
            LibC.Close(mountFd);
            return -1;
        }
        LibC.Close(fd);
        return mountFd;
    }
}
