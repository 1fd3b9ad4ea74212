namespace Vellum.Passthrough.Inodes;

/// <summary>
/// One backing inode the kernel knows: its O_PATH|O_NOFOLLOW descriptor, which follows the
/// inode through renames and keeps it (and so its inode number) alive until the last
/// FORGET, and the lock that orders recorded changes to it.
/// </summary>
internal sealed class Node
{
    public Node(ulong id, int fd, ulong dev, ulong ino, uint type)
    {
        Id = id;
        Fd = fd;
        Dev = dev;
        Ino = ino;
        Type = type;
    }

    public ulong Id { get; }

    public int Fd { get; }

    public ulong Dev { get; }

    public ulong Ino { get; }

    /// <summary>The S_IFMT bits, which never change for an inode.</summary>
    public uint Type { get; }

    public bool IsSymlink => Type == Interop.LibCConstants.SIfLnk;

    /// <summary>Kernel lookup references; guarded by the inode table's lock.</summary>
    public ulong Lookups { get; set; }

    /// <summary>Held across before → syscall → after of a recorded change (see <see cref="IChangeRecorder"/>).</summary>
    public Lock ChangeLock { get; } = new();
}
