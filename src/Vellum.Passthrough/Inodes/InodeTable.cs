using System.Collections.Concurrent;
using Vellum.Native;

namespace Vellum.Passthrough.Inodes;

/// <summary>
/// The nodes the kernel holds, keyed both by node id (for requests) and by backing
/// (device, inode) so that every name of a hard-linked file maps to one node. Ids count up
/// from 1 (the root) and are never reused, which is why generations are always 0.
/// </summary>
/// <remarks>
/// The kernel keeps a node for every inode in its cache, which can be far more than the
/// process may hold descriptors (20,000 here). So at most <see cref="DescriptorLimit"/>
/// nodes keep their O_PATH descriptor: past it, the CLOCK algorithm closes the descriptor
/// of a node no request is using and not used since the clock last passed, after taking
/// its file handle, and the next lease reopens the inode by that handle. A node whose
/// filesystem gives no handle (or is another mount than the root's) keeps its descriptor.
/// Without the capability to reopen handles the limit is off and every node keeps its
/// descriptor, as before.
/// </remarks>
internal sealed class InodeTable : IDisposable
{
    public const ulong RootId = 1;

    private readonly Lock _lock = new();
    private readonly Dictionary<(ulong Dev, ulong Ino), Node> _byInode = [];
    private readonly ConcurrentDictionary<ulong, Node> _byId = new();
    private readonly List<Node> _resident = [];
    /// <summary>
    /// The descriptor evicted nodes reopen by handle through: a plain int like the nodes' own,
    /// opened with the table and closed only when the table is disposed, after the last request.
    /// </summary>
    private readonly int _mountFd = -1;
    private ulong _lastId = RootId;
    private int _hand;

    /// <param name="descriptorLimit">How many node descriptors to keep open at most; 0 keeps all.</param>
    public InodeTable(int rootFd, ulong dev, ulong ino, int descriptorLimit)
    {
        Root = new Node(RootId, rootFd, dev, ino, LibCConstants.SIfDir) { Lookups = 1 };
        _byInode.Add((dev, ino), Root);
        _byId[RootId] = Root;
        if (descriptorLimit > 0)
        {
            _mountFd = FileHandles.OpenMountFd(rootFd);
            DescriptorLimit = _mountFd >= 0 ? descriptorLimit : 0;
        }
    }

    public Node Root { get; }

    public int Count => _byId.Count;

    /// <summary>The most node descriptors kept open besides pinned ones; 0 when unbounded.</summary>
    public int DescriptorLimit { get; }

    /// <summary>Node descriptors open now that eviction could close.</summary>
    public int ResidentCount
    {
        get
        {
            lock (_lock)
            {
                return _resident.Count;
            }
        }
    }

    /// <summary>Half the process's soft descriptor limit: the rest is for open files, directories and the mount.</summary>
    public static unsafe int DefaultDescriptorLimit()
    {
        var limits = stackalloc ulong[2];
        if (LibC.GetRLimit(LibCConstants.RLimitNoFile, limits) != 0)
        {
            return 0;
        }
        return (int)Math.Min(limits[0] / 2, int.MaxValue);
    }

    /// <summary>Leases node <paramref name="id"/>, reopening its inode if its descriptor was evicted.</summary>
    public NodeLease Acquire(ulong id) =>
        _byId.TryGetValue(id, out var node) ? Acquire(node) : NodeLease.Failed(Errno.ESTALE);

    public NodeLease Acquire(Node node)
    {
        lock (_lock)
        {
            if (node.Fd >= 0)
            {
                return LeaseLocked(node);
            }
            if (node.Forgotten)
            {
                return NodeLease.Failed(Errno.ESTALE);
            }
        }
        // Reopen outside the lock; a racing reopen of the same node keeps the first descriptor.
        var fd = FileHandles.Open(_mountFd, node.Handle!);
        if (fd < 0)
        {
            return NodeLease.Failed(LibC.LastError());
        }
        lock (_lock)
        {
            if (node.Fd >= 0)
            {
                LibC.Close(fd);
                return LeaseLocked(node);
            }
            node.Fd = fd;
            if (node.Forgotten)
            {
                return LeaseLocked(node);
            }
            AddResident(node);
            var lease = LeaseLocked(node);
            EvictOverflow();
            return lease;
        }
    }

    public void Release(Node node)
    {
        lock (_lock)
        {
            node.Leases--;
            if (node.Leases == 0 && node.Forgotten && node.Fd >= 0)
            {
                LibC.Close(node.Fd);
                node.Fd = -1;
            }
        }
    }

    /// <summary>
    /// Returns the node for (dev, ino) with one more lookup reference. The table takes
    /// ownership of <paramref name="fd"/>: it becomes the new node's descriptor (or an
    /// evicted node's), or is closed when the node already has one.
    /// </summary>
    /// <summary>Notes that <paramref name="node"/> (an inode with several links) was reached as <paramref name="parent"/>/<paramref name="name"/>.</summary>
    public void NoteAlias(Node node, ulong parent, ReadOnlySpan<byte> name)
    {
        const int MaxAliases = 8;
        lock (_lock)
        {
            node.Aliases ??= [];
            var aliases = node.Aliases;
            for (var i = 0; i < aliases.Count; i++)
            {
                if (aliases[i].Parent == parent && name.SequenceEqual(aliases[i].Name))
                {
                    aliases.RemoveAt(i);
                    break;
                }
            }
            if (aliases.Count == MaxAliases)
            {
                aliases.RemoveAt(0);
            }
            aliases.Add((parent, name.ToArray()));
        }
    }

    /// <summary>The node of inode (<paramref name="dev"/>, <paramref name="ino"/>), when the table has one.</summary>
    public Node? Find(ulong dev, ulong ino)
    {
        lock (_lock)
        {
            return _byInode.TryGetValue((dev, ino), out var node) ? node : null;
        }
    }

    /// <summary>The names noted for <paramref name="node"/>, newest first.</summary>
    public (ulong Parent, byte[] Name)[] AliasesOf(Node node)
    {
        lock (_lock)
        {
            return node.Aliases is { } aliases ? [.. Enumerable.Reverse(aliases)] : [];
        }
    }

    public Node Intern(int fd, ulong dev, ulong ino, uint type)
    {
        lock (_lock)
        {
            if (_byInode.TryGetValue((dev, ino), out var node))
            {
                node.Lookups++;
                if (node.Fd >= 0)
                {
                    LibC.Close(fd);
                    return node;
                }
                node.Fd = fd;
            }
            else
            {
                node = new Node(++_lastId, fd, dev, ino, type) { Lookups = 1 };
                _byInode.Add((dev, ino), node);
                _byId[node.Id] = node;
            }
            AddResident(node);
            EvictOverflow();
            return node;
        }
    }

    /// <summary>
    /// Drops <paramref name="count"/> lookup references; at zero the node leaves the table
    /// and its descriptor is closed (once no lease uses it). The root is never dropped.
    /// </summary>
    public void Forget(ulong id, ulong count)
    {
        if (id == RootId)
        {
            return;
        }
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var node))
            {
                return;
            }
            if (node.Lookups > count)
            {
                node.Lookups -= count;
                return;
            }
            node.Lookups = 0;
            node.Forgotten = true;
            _byInode.Remove((node.Dev, node.Ino));
            _byId.TryRemove(id, out _);
            RemoveResident(node);
            if (node.Leases == 0 && node.Fd >= 0)
            {
                LibC.Close(node.Fd);
                node.Fd = -1;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var node in _byId.Values)
            {
                if (node.Fd >= 0)
                {
                    LibC.Close(node.Fd);
                    node.Fd = -1;
                }
            }
            _byId.Clear();
            _byInode.Clear();
            _resident.Clear();
            if (_mountFd >= 0)
            {
                LibC.Close(_mountFd);
            }
        }
    }

    private NodeLease LeaseLocked(Node node)
    {
        node.Leases++;
        node.Referenced = true;
        return new NodeLease(this, node, node.Fd);
    }

    /// <summary>Makes a node's descriptor evictable, unless the limit is off or its inode is on another device than the root's (the handle would not reopen through the root).</summary>
    private void AddResident(Node node)
    {
        if (DescriptorLimit == 0 || node.Dev != Root.Dev)
        {
            return;
        }
        node.ResidentIndex = _resident.Count;
        _resident.Add(node);
    }

    private void RemoveResident(Node node)
    {
        var index = node.ResidentIndex;
        if (index < 0)
        {
            return;
        }
        var last = _resident[^1];
        _resident[index] = last;
        last.ResidentIndex = index;
        _resident.RemoveAt(_resident.Count - 1);
        node.ResidentIndex = -1;
    }

    /// <summary>
    /// Closes descriptors until no more than the limit are open: the clock hand clears the
    /// reference bit of recently leased nodes and evicts the first unleased one without it.
    /// Two passes find a victim unless every resident node is leased.
    /// </summary>
    private void EvictOverflow()
    {
        var budget = 2 * _resident.Count;
        while (_resident.Count > DescriptorLimit && budget-- > 0)
        {
            if (_hand >= _resident.Count)
            {
                _hand = 0;
            }
            var node = _resident[_hand];
            if (node.Leases > 0)
            {
                _hand++;
                continue;
            }
            if (node.Referenced)
            {
                node.Referenced = false;
                _hand++;
                continue;
            }
            node.Handle ??= FileHandles.Capture(node.Fd);
            RemoveResident(node);
            if (node.Handle is not null)
            {
                LibC.Close(node.Fd);
                node.Fd = -1;
            }
        }
    }
}
