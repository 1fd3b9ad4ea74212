using System.Text;
using Vellum.Mirror.Native;

namespace Vellum.Mirror;

/// <summary>
/// A descriptor of the replica's root directory, and the one way to reach anything below it:
/// openat2 relative to it with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
/// so no component of a journal path can lead outside, through a symlink or through /proc.
/// </summary>
internal sealed unsafe class ReplicaRoot : IDisposable
{
    private const ulong Resolve = MirrorConstants.ResolveBeneath | MirrorConstants.ResolveNoSymlinks | MirrorConstants.ResolveNoMagicLinks;

    private ReplicaRoot(string path, int fd)
    {
        Path = path;
        Descriptor = fd;
    }

    public string Path { get; }

    /// <summary>Opened for reading, so that the root's own xattrs and times can be set through it.</summary>
    public int Descriptor { get; private set; }

    public static ReplicaRoot Open(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = bytes)
            fd = MirrorLibC.Open(p, MirrorConstants.ORdOnly | MirrorConstants.ODirectory | MirrorConstants.OCloExec, 0);
        if (fd < 0)
        {
            var errno = MirrorLibC.LastError();
            throw new MirrorException($"cannot open the replica {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new ReplicaRoot(path, fd);
    }

    /// <summary>Opens the directory holding <paramref name="path"/>; an errno when it cannot be reached.</summary>
    /// <exception cref="MirrorPathException">The way there passes through a symlink or leaves the replica.</exception>
    public int TryOpenParent(ReplicaPath path, ulong transactionId, out DirectoryHandle parent)
    {
        parent = default;
        if (path.ParentIsRoot)
        {
            parent = new DirectoryHandle(Descriptor, owned: false);
            return 0;
        }
        var how = new OpenHow
        {
            Flags = MirrorConstants.ORdOnly | MirrorConstants.ODirectory | MirrorConstants.OCloExec,
            Resolve = Resolve,
        };
        int fd;
        fixed (byte* p = path.Parent)
            fd = MirrorLibC.OpenAt2(Descriptor, p, &how);
        if (fd >= 0)
        {
            parent = new DirectoryHandle(fd, owned: true);
            return 0;
        }
        var errno = MirrorLibC.LastError();
        const int ELOOP = 40;
        const int EXDEV = 18;
        if (errno == ELOOP)
            throw new MirrorPathException(transactionId, path.Text, "passes through a symlink");
        if (errno == EXDEV)
            throw new MirrorPathException(transactionId, path.Text, "leaves the replica");
        return errno;
    }

    public DirectoryHandle OpenParent(ReplicaPath path, ulong transactionId, string operation)
    {
        var errno = TryOpenParent(path, transactionId, out var parent);
        if (errno != 0)
            throw new MirrorApplyException(transactionId, operation, path.Text, errno);
        return parent;
    }

    public void Dispose()
    {
        if (Descriptor >= 0)
            MirrorLibC.Close(Descriptor);
        Descriptor = -1;
    }
}

/// <summary>A directory descriptor that is closed on disposal unless it is the root's own.</summary>
internal readonly struct DirectoryHandle(int fd, bool owned) : IDisposable
{
    public int Fd { get; } = fd;

    public void Dispose()
    {
        if (owned)
            MirrorLibC.Close(Fd);
    }
}
