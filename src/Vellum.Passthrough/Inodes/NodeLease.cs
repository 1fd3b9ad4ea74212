using Vellum.Native;

namespace Vellum.Passthrough.Inodes;

/// <summary>
/// A node with a descriptor that stays open until <see cref="Dispose"/>: what every
/// operation holds while it makes syscalls relative to the node. A failed lease (unknown
/// node, or an inode that can no longer be reopened) carries the errno to answer with.
/// </summary>
internal readonly struct NodeLease : IDisposable
{
    private readonly InodeTable? _table;

    public NodeLease(InodeTable table, Node node, int fd)
    {
        _table = table;
        Node = node;
        Fd = fd;
        Error = Errno.Success;
    }

    private NodeLease(Errno error)
    {
        Node = null!;
        Fd = -1;
        Error = error;
    }

    public Node Node { get; }

    public int Fd { get; }

    public Errno Error { get; }

    public bool IsValid => Error == Errno.Success;

    public ulong Id => Node.Id;

    public uint Type => Node.Type;

    public bool IsSymlink => Node.IsSymlink;

    public static NodeLease Failed(Errno error) => new(error);

    public void Dispose() => _table?.Release(Node);
}
