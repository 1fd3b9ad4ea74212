using System.Collections.Concurrent;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough.Inodes;

/// <summary>
/// The nodes the kernel holds, keyed both by node id (for requests) and by backing
/// (device, inode) so that every name of a hard-linked file maps to one node. Ids count up
/// from 1 (the root) and are never reused, which is why generations are always 0.
/// </summary>
internal sealed class InodeTable : IDisposable
{
    public const ulong RootId = 1;

    private readonly Lock _lock = new();
    private readonly Dictionary<(ulong Dev, ulong Ino), Node> _byInode = [];
    private readonly ConcurrentDictionary<ulong, Node> _byId = new();
    private ulong _lastId = RootId;

    public InodeTable(int rootFd, ulong dev, ulong ino)
    {
        Root = new Node(RootId, rootFd, dev, ino, LibCConstants.SIfDir) { Lookups = 1 };
        _byInode.Add((dev, ino), Root);
        _byId[RootId] = Root;
    }

    public Node Root { get; }

    public int Count => _byId.Count;

    public bool TryGet(ulong id, out Node node) => _byId.TryGetValue(id, out node!);

    /// <summary>
    /// Returns the node for (dev, ino) with one more lookup reference. The table takes
    /// ownership of <paramref name="fd"/>: it becomes the new node's descriptor, or is
    /// closed when the inode already has a node.
    /// </summary>
    public Node Intern(int fd, ulong dev, ulong ino, uint type)
    {
        Node node;
        bool existed;
        lock (_lock)
        {
            existed = _byInode.TryGetValue((dev, ino), out node!);
            if (!existed)
            {
                node = new Node(++_lastId, fd, dev, ino, type);
                _byInode.Add((dev, ino), node);
                _byId[node.Id] = node;
            }
            node.Lookups++;
        }
        if (existed)
        {
            LibC.Close(fd);
        }
        return node;
    }

    /// <summary>
    /// Drops <paramref name="count"/> lookup references; at zero the node leaves the table
    /// and its descriptor is closed. The root is never dropped. The kernel sends the final
    /// FORGET only once nothing references the node, so no request can still be using it.
    /// </summary>
    public void Forget(ulong id, ulong count)
    {
        if (id == RootId)
        {
            return;
        }
        Node? node;
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out node))
            {
                return;
            }
            if (node.Lookups > count)
            {
                node.Lookups -= count;
                return;
            }
            node.Lookups = 0;
            _byInode.Remove((node.Dev, node.Ino));
            _byId.TryRemove(id, out _);
        }
        LibC.Close(node.Fd);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var node in _byId.Values)
            {
                LibC.Close(node.Fd);
            }
            _byId.Clear();
            _byInode.Clear();
        }
    }
}
