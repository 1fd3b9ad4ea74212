using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// A descriptor of the replica's root directory, and the one way to reach anything below it:
/// openat2 relative to it with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
/// so no component of a journal path can lead outside, through a symlink or through /proc.
/// </summary>
internal sealed unsafe class ReplicaRoot : IDisposable
{
    private const ulong Resolve = LibCConstants.ResolveBeneath | LibCConstants.ResolveNoSymlinks | LibCConstants.ResolveNoMagicLinks;

    private ReplicaRoot(string path, int fd)
    {
        Path = path;
        Descriptor = fd;
    }

    public string Path { get; }

    /// <summary>
    /// Opened for reading, so that the root's own xattrs and times can be set through it. A
    /// plain int, not a SafeHandle: every operation's openat2 starts from it, and the applier
    /// that owns the root applies one operation at a time and disposes it only after the last.
    /// </summary>
    public int Descriptor { get; private set; }

    public static ReplicaRoot Open(string path)
    {
        var fd = LibC.Open(path, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd < 0)
        {
            var errno = LibC.LastError();
            throw new MirrorException($"cannot open the replica {path}: {errno.Text}");
        }
        return new ReplicaRoot(path, fd);
    }

    /// <summary>Opens the directory holding <paramref name="path"/>; an errno when it cannot be reached.</summary>
    /// <exception cref="MirrorPathException">The way there passes through a symlink or leaves the replica.</exception>
    public Errno TryOpenParent(ReplicaPath path, ulong transactionId, out DirectoryHandle parent)
    {
        parent = default;
        if (path.ParentIsRoot)
        {
            parent = new DirectoryHandle(Descriptor, owned: false);
            return Errno.Success;
        }
        var directory = Descriptor;
        var rest = path.Parent.AsSpan(0, path.Parent.Length - 1);
        while (true)
        {
            // The kernel takes a path of at most PATH_MAX: a deeper parent is opened a piece of
            // whole components at a time, each beneath the last (no piece holds "..", so
            // beneath the piece's start is beneath the root), under the same rules.
            var cut = rest.Length <= MaxPiece ? rest.Length : rest[..(MaxPiece + 1)].LastIndexOf((byte)'/');
            if (cut <= 0)
                cut = rest.Length;
            var errno = OpenBeneath(directory, rest[..cut], out var fd);
            if (directory != Descriptor)
                LibC.Close(directory);
            if (errno == Errno.ELOOP)
                throw new MirrorPathException(transactionId, path.Text, "passes through a symlink");
            if (errno == Errno.EXDEV)
                throw new MirrorPathException(transactionId, path.Text, "leaves the replica");
            if (errno != Errno.Success)
                return errno;
            if (cut == rest.Length)
            {
                parent = new DirectoryHandle(fd, owned: true);
                return Errno.Success;
            }
            directory = fd;
            rest = rest[(cut + 1)..];
        }
    }

    /// <summary>The longest piece of a path opened in one call: PATH_MAX less its NUL, rounded down.</summary>
    private const int MaxPiece = 4000;

    private static Errno OpenBeneath(int directory, ReadOnlySpan<byte> relative, out int fd)
    {
        fd = -1;
        if (relative.Length > MaxPiece)
            return Errno.ENAMETOOLONG;
        var how = new OpenHow
        {
            Flags = LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec,
            Resolve = Resolve,
        };
        Span<byte> native = stackalloc byte[relative.Length + 1];
        relative.CopyTo(native);
        native[^1] = 0;
        fixed (byte* p = native)
            fd = LibC.OpenAt2(directory, p, &how);
        return fd >= 0 ? Errno.Success : LibC.LastError();
    }

    public DirectoryHandle OpenParent(ReplicaPath path, ulong transactionId, string operation)
    {
        var errno = TryOpenParent(path, transactionId, out var parent);
        if (errno != Errno.Success)
            throw new MirrorApplyException(transactionId, operation, path.Text, errno);
        return parent;
    }

    public void Dispose()
    {
        if (Descriptor >= 0)
            LibC.Close(Descriptor);
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
            LibC.Close(Fd);
    }
}
