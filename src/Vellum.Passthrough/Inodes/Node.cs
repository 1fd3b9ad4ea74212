using Vellum.Native;

namespace Vellum.Passthrough.Inodes;

/// <summary>
/// One backing inode the kernel knows: its O_PATH|O_NOFOLLOW descriptor while it has one,
/// which follows the inode through renames, the file handle that reopens it when the
/// descriptor was closed to stay under the process's descriptor limit, and the lock that
/// orders recorded changes to it. Requests use the descriptor through a
/// <see cref="NodeLease"/>; every mutable field is guarded by the <see cref="InodeTable"/>'s lock.
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

    /// <summary>
    /// The O_PATH descriptor, or -1 while evicted (see <see cref="Handle"/>). A plain int, not
    /// a SafeHandle: every request's *at() calls use it, and its lifetime is already managed
    /// here (leases, eviction under the table's lock), which a SafeHandle's reference count
    /// would only repeat.
    /// </summary>
    public int Fd { get; set; }

    public ulong Dev { get; }

    public ulong Ino { get; }

    /// <summary>The S_IFMT bits, which never change for an inode.</summary>
    public uint Type { get; }

    public bool IsSymlink => Type == LibCConstants.SIfLnk;

    /// <summary>Kernel lookup references.</summary>
    public ulong Lookups { get; set; }

    /// <summary>Leases using <see cref="Fd"/> now; a leased descriptor is never closed.</summary>
    public int Leases { get; set; }

    /// <summary>Leased since the eviction clock last passed (the CLOCK algorithm's reference bit).</summary>
    public bool Referenced { get; set; }

    /// <summary>Position in the table's list of evictable descriptors, or -1 when not in it.</summary>
    public int ResidentIndex { get; set; } = -1;

    /// <summary>A struct file_handle from name_to_handle_at, taken at the first eviction.</summary>
    public byte[]? Handle { get; set; }

    /// <summary>The kernel forgot the node while a lease was out; the last release closes the descriptor.</summary>
    public bool Forgotten { get; set; }

    /// <summary>Held across before → syscall → after of a recorded change (see <see cref="IChangeRecorder"/>).</summary>
    public Lock ChangeLock { get; } = new();

    /// <summary>
    /// Names lookups and renames reached this file by (parent node id, name), newest last,
    /// a few at most, kept only when a recorder needs paths; guarded by the inode table's
    /// lock. The descriptor's own name can be unlinked while the inode lives on through a
    /// hard link: these are where to look for a current one.
    /// </summary>
    public List<(ulong Parent, byte[] Name)>? Aliases { get; set; }
}
