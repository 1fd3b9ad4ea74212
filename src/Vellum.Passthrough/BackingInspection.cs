using Vellum.Native;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>
/// Reads the backing state behind the descriptors of a <see cref="Change"/>, for a recorder
/// that must note where a node lives and what an operation left behind.
/// </summary>
public static unsafe class BackingInspection
{
    /// <summary>Longest path <see cref="PathOf"/> writes.</summary>
    public const int PathBufferSize = 4096 + 64;

    /// <summary>statx of the inode behind <paramref name="fd"/> (an O_PATH descriptor will do).</summary>
    public static Errno Stat(int fd, out NodeStat stat) => BackingStat.Of(fd, out stat);

    /// <summary>
    /// After a write through <paramref name="writableFd"/>: stamps the file's modification time
    /// with the realtime clock's now and returns the inode's attributes with that time, without
    /// reading its times from the kernel. Reading them (a statx of mtime or ctime) makes Linux
    /// 6.13 and later give the file's next change a fine-grained time, which raises the floor
    /// of every coarse timestamp on the machine: every file written after it then gets a new
    /// time, a dirty inode, and an inode write at its next fdatasync. The
    /// <see cref="NodeStat.Ctime"/> returned is zero: unknown.
    /// </summary>
    public static Errno StampWritten(int writableFd, int fd, out NodeStat stat) => BackingStat.Stamped(writableFd, fd, out stat);

    /// <summary>statx of the NUL-terminated <paramref name="nameWithNul"/> in <paramref name="directoryFd"/> (an O_PATH descriptor will do), not following a symlink, in one syscall: for walks over many names.</summary>
    public static Errno StatChild(int directoryFd, ReadOnlySpan<byte> nameWithNul, out NodeStat stat)
    {
        fixed (byte* p = nameWithNul)
        {
            return BackingStat.At(directoryFd, p, out stat);
        }
    }

    /// <summary>statx of <paramref name="name"/> in directory <paramref name="directoryFd"/>, not following a symlink.</summary>
    public static Errno StatAt(int directoryFd, ReadOnlySpan<byte> name, out NodeStat stat)
    {
        Span<byte> native = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(name, native);
        if (error != Errno.Success)
        {
            stat = default;
            return error;
        }
        var openFlags = LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec;
        int fd;
        fixed (byte* p = native)
        {
            fd = LibC.OpenAt(directoryFd, p, openFlags, 0);
        }
        if (fd < 0)
        {
            stat = default;
            return LibC.LastError();
        }
        error = BackingStat.Of(fd, out stat);
        LibC.Close(fd);
        return error;
    }

    /// <summary>
    /// A new O_PATH descriptor for the inode behind <paramref name="fd"/>, found by its file
    /// handle through <paramref name="mountFd"/> (a directory opened O_RDONLY on the same
    /// filesystem), or -1. The kernel answers with a current name of the inode where it has
    /// one: the way to a live name for a descriptor whose own name was unlinked while the
    /// inode lives on through a hard link. Needs CAP_DAC_READ_SEARCH.
    /// </summary>
    public static int ReopenByHandle(int fd, int mountFd)
    {
        var handle = Inodes.FileHandles.Capture(fd);
        return handle is null ? -1 : Inodes.FileHandles.Open(mountFd, handle);
    }

    /// <summary>
    /// The kernel file handle (name_to_handle_at) of the inode behind <paramref name="fd"/>:
    /// it names the inode wherever it is renamed to and across a reboot, so a journal can
    /// find a file again without trusting a path. Null where the filesystem gives none.
    /// </summary>
    public static byte[]? HandleOf(int fd) => Inodes.FileHandles.Capture(fd);

    /// <summary>
    /// An O_PATH descriptor for the inode of <paramref name="handle"/> (from <see cref="HandleOf"/>)
    /// through <paramref name="mountFd"/> (see <see cref="OpenDirectory"/>), or -1 with
    /// <paramref name="error"/> set: ESTALE once the inode is gone. Needs CAP_DAC_READ_SEARCH.
    /// </summary>
    public static int OpenByHandle(int mountFd, byte[] handle, out Errno error)
    {
        var fd = Inodes.FileHandles.Open(mountFd, handle);
        error = fd < 0 ? LibC.LastError() : Errno.Success;
        return fd;
    }

    /// <summary>
    /// Opens <paramref name="directory"/> for <see cref="OpenByHandle"/> once a round trip of
    /// its own file handle proved handles reopen on its filesystem; -1 when they do not.
    /// </summary>
    public static int OpenHandleRoot(string directory)
    {
        var fd = OpenDirectory(directory);
        if (fd < 0)
            return -1;
        var mountFd = Inodes.FileHandles.OpenMountFd(fd);
        LibC.Close(fd);
        return mountFd;
    }

    /// <summary>Opens <paramref name="directory"/> O_RDONLY for <see cref="ReopenByHandle"/>; -1 on failure.</summary>
    public static int OpenDirectory(string directory)
    {
        return LibC.OpenAt(LibCConstants.AtFdCwd, directory, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
    }

    /// <summary>
    /// Opens the inode behind <paramref name="fd"/> (an O_PATH descriptor will do) for reading
    /// through /proc; -1 on failure. <paramref name="keepAccessTime"/>: without moving its access
    /// time (O_NOATIME, and O_NONBLOCK so a FIFO does not wait for a writer) where the kernel
    /// lets the daemon (the owner, or CAP_FOWNER), as a reader that is not a program's read.
    /// </summary>
    public static int OpenForReading(int fd, bool keepAccessTime = false)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(fd, path);
        fixed (byte* p = path)
        {
            if (!keepAccessTime)
                return LibC.OpenAt(LibCConstants.AtFdCwd, p, LibCConstants.ORdOnly | LibCConstants.OCloExec, 0);
            var flags = LibCConstants.ORdOnly | LibCConstants.OCloExec | LibCConstants.ONonBlock;
            var opened = LibC.OpenAt(LibCConstants.AtFdCwd, p, flags | LibCConstants.ONoAtime, 0);
            return opened >= 0 || LibC.LastError() != Errno.EPERM ? opened : LibC.OpenAt(LibCConstants.AtFdCwd, p, flags, 0);
        }
    }

    /// <summary>The value of xattr <paramref name="name"/> of the inode behind <paramref name="fd"/>, through /proc; null when it has none.</summary>
    public static byte[]? Xattr(int fd, ReadOnlySpan<byte> name)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(fd, path);
        Span<byte> nativeName = stackalloc byte[name.Length + 1];
        name.CopyTo(nativeName);
        nativeName[^1] = 0;
        var value = new byte[64 * 1024];
        nint length;
        fixed (byte* p = path)
        fixed (byte* n = nativeName)
        fixed (byte* v = value)
        {
            length = LibC.GetXattr(p, n, v, (nuint)value.Length);
        }
        return length < 0 ? null : value.AsSpan(0, (int)length).ToArray();
    }

    /// <summary>close(2) for descriptors this class handed out.</summary>
    public static void Close(int fd) => LibC.Close(fd);

    /// <summary>statx of the absolute <paramref name="path"/>, not following a final symlink.</summary>
    public static Errno StatPath(ReadOnlySpan<byte> path, out NodeStat stat)
    {
        var native = new byte[path.Length + 1];
        path.CopyTo(native);
        int fd;
        fixed (byte* p = native)
        {
            fd = LibC.OpenAt(LibCConstants.AtFdCwd, p, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        }
        if (fd < 0)
        {
            stat = default;
            return LibC.LastError();
        }
        var error = BackingStat.Of(fd, out stat);
        LibC.Close(fd);
        return error;
    }

    /// <summary>
    /// The absolute path the kernel knows for <paramref name="fd"/> (the /proc/self/fd link),
    /// in <paramref name="buffer"/> of at least <see cref="PathBufferSize"/> bytes. A deleted
    /// inode's path ends in " (deleted)"; check its link count before trusting such a name.
    /// </summary>
    public static Errno PathOf(int fd, Span<byte> buffer, out int length)
    {
        Span<byte> link = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(fd, link);
        nint result;
        fixed (byte* l = link)
        fixed (byte* b = buffer)
        {
            result = LibC.ReadLink(l, b, (nuint)buffer.Length);
        }
        length = result < 0 ? 0 : (int)result;
        return result < 0 ? LibC.LastError() : result == buffer.Length ? Errno.ENAMETOOLONG : Errno.Success;
    }
}
