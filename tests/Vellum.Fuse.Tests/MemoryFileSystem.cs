using System.Text;
using Vellum.Fuse;
using Vellum.Native;

namespace Vellum.Fuse.Tests;

/// <summary>
/// A small in-memory filesystem (directories, files, symlinks, xattrs) behind one lock, to
/// exercise the FUSE layer through real syscalls. Nodes live until the filesystem does, so
/// FORGET only counts.
/// </summary>
internal sealed partial class MemoryFileSystem : IFuseFileSystem
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, MemoryNode> _nodes = [];
    private readonly Dictionary<ulong, (string Name, ulong Node)[]> _listings = [];
    private readonly Dictionary<ulong, int> _backingIds = [];
    private ulong _nextNode = FuseRoot + 1;
    private ulong _nextHandle = 1;
    private long _forgets;
    private int _largestWrite;

    public const ulong FuseRoot = 1;

    public MemoryFileSystem(uint rootUid = 0, uint rootGid = 0)
    {
        _nodes[FuseRoot] = new MemoryNode(FuseRoot, MemoryNode.Directory | 0x1ED, rootUid, rootGid);
    }

    /// <summary>The largest single WRITE request seen.</summary>
    public int LargestWrite => Volatile.Read(ref _largestWrite);

    public long Forgets => Interlocked.Read(ref _forgets);

    /// <summary>Opens that were handed to the kernel as passthrough.</summary>
    public int PassthroughOpens { get; private set; }

    public int Destroyed { get; private set; }

    /// <summary>Set when a read of the slow file starts, and when it sees its request interrupted.</summary>
    public ManualResetEventSlim SlowReadStarted { get; } = new();
    public ManualResetEventSlim SlowReadInterrupted { get; } = new();

    /// <summary>Adds a file at the root whose reads block until the kernel interrupts them (at most 10 s).</summary>
    /// <summary>Adds a file at the root whose every open throws, as a filesystem bug would.</summary>
    public void AddBrokenFile(string name)
    {
        lock (_lock)
        {
            var node = NewNode(MemoryNode.Regular | 0x1A4, 0, 0);
            node.IsBroken = true;
            _nodes[FuseRoot].Children[name] = node.Id;
        }
    }

    public string Describe(ulong node) => $"memory node {node}";

    public void AddSlowFile(string name)
    {
        lock (_lock)
        {
            var node = NewNode(MemoryNode.Regular | 0x1A4, 0, 0);
            node.IsSlow = true;
            node.Resize(1);
            _nodes[FuseRoot].Children[name] = node.Id;
        }
    }

    /// <summary>Adds a read-only file at the root whose opens pass through to <paramref name="backingPath"/>.</summary>
    public void AddBackedFile(string name, string backingPath)
    {
        lock (_lock)
        {
            var node = NewNode(MemoryNode.Regular | 0x1A4, 0, 0);
            node.BackingPath = backingPath;
            _nodes[FuseRoot].Children[name] = node.Id;
        }
    }

    public Errno Lookup(FuseContext context, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry)
    {
        entry = default;
        var text = Name(name);
        lock (_lock)
        {
            if (!_nodes.TryGetValue(parent, out var directory) || !directory.IsDirectory)
            {
                return Errno.ENOTDIR;
            }

            if (!directory.Children.TryGetValue(text, out var id))
            {
                return Errno.ENOENT;
            }

            entry = _nodes[id].Entry();
            return Errno.Success;
        }
    }

    public void Forget(ulong node, ulong lookups) => Interlocked.Add(ref _forgets, (long)lookups);

    public Errno GetAttr(FuseContext context, ulong node, ulong? handle, out FuseAttr attr)
    {
        lock (_lock)
        {
            attr = _nodes.TryGetValue(node, out var found) ? found.Attr() : default;
            return found is null ? Errno.ENOENT : Errno.Success;
        }
    }

    public Errno SetAttr(FuseContext context, ulong node, in FuseSetAttr changes, out FuseAttr attr)
    {
        attr = default;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var found))
            {
                return Errno.ENOENT;
            }

            if (changes.Has(FuseSetAttrFields.Mode))
            {
                found.Mode = (found.Mode & MemoryNode.TypeMask) | (changes.Mode & 0xFFF);
            }

            if (changes.Has(FuseSetAttrFields.Uid))
            {
                found.Uid = changes.Uid;
            }

            if (changes.Has(FuseSetAttrFields.Gid))
            {
                found.Gid = changes.Gid;
            }

            if (changes.Has(FuseSetAttrFields.Size))
            {
                if (found.IsDirectory)
                {
                    return Errno.EISDIR;
                }

                found.Resize((long)changes.Size);
            }

            if (changes.Has(FuseSetAttrFields.MTime))
            {
                found.MTime = DateTimeOffset.FromUnixTimeSeconds(changes.MTime).AddTicks(changes.MTimeNsec / 100);
            }

            attr = found.Attr();
            return Errno.Success;
        }
    }

    public Errno ReadLink(FuseContext context, ulong node, Span<byte> target, out int length)
    {
        lock (_lock)
        {
            length = 0;
            if (!_nodes.TryGetValue(node, out var found) || (found.Mode & MemoryNode.TypeMask) != MemoryNode.Symlink)
            {
                return Errno.EINVAL;
            }

            found.Target.CopyTo(target);
            length = found.Target.Length;
            return Errno.Success;
        }
    }

    public Errno Symlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out FuseEntry entry)
    {
        var copy = target.ToArray();
        return Add(context, parent, name, MemoryNode.Symlink | 0x1FF, node => node.Target = copy, out entry);
    }

    public Errno MkNod(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, out FuseEntry entry)
    {
        if ((mode & MemoryNode.TypeMask) != MemoryNode.Regular)
        {
            entry = default;
            return Errno.EPERM;
        }

        return Add(context, parent, name, mode, null, out entry);
    }

    public Errno MkDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry) =>
        Add(context, parent, name, MemoryNode.Directory | (mode & 0xFFF), null, out entry);

    public Errno Unlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, Name(name), directory: false);

    public Errno RmDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, Name(name), directory: true);

    public Errno Rename(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags)
    {
        var (from, to) = (Name(name), Name(newName));
        lock (_lock)
        {
            var source = _nodes[parent];
            var target = _nodes[newParent];
            if (!source.Children.TryGetValue(from, out var moving))
            {
                return Errno.ENOENT;
            }

            var exists = target.Children.TryGetValue(to, out var replaced);
            if ((flags & LibCConstants.RenameExchange) != 0)
            {
                if (!exists)
                {
                    return Errno.ENOENT;
                }

                source.Children[from] = replaced;
                target.Children[to] = moving;
                return Errno.Success;
            }

            if (exists && (flags & LibCConstants.RenameNoReplace) != 0)
            {
                return Errno.EEXIST;
            }

            if (exists && _nodes[replaced].IsDirectory && _nodes[replaced].Children.Count > 0)
            {
                return Errno.ENOTEMPTY;
            }

            source.Children.Remove(from);
            target.Children[to] = moving;
            if (exists)
            {
                _nodes[replaced].NLink--;
            }

            return Errno.Success;
        }
    }

    public Errno Link(FuseContext context, ulong node, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry)
    {
        var text = Name(newName);
        lock (_lock)
        {
            entry = default;
            var directory = _nodes[newParent];
            if (directory.Children.ContainsKey(text))
            {
                return Errno.EEXIST;
            }

            var found = _nodes[node];
            found.NLink++;
            directory.Children[text] = node;
            entry = found.Entry();
            return Errno.Success;
        }
    }

    public Errno StatFs(FuseContext context, ulong node, out FuseStatFs statFs)
    {
        statFs = new FuseStatFs
        {
            Blocks = 1 << 20,
            BlocksFree = 1 << 19,
            BlocksAvailable = 1 << 18,
            Files = 1 << 16,
            FilesFree = 1 << 15,
            BlockSize = 4096,
            NameLength = 255,
            FragmentSize = 4096,
        };
        return Errno.Success;
    }

    public Errno Access(FuseContext context, ulong node, int mask)
    {
        lock (_lock)
        {
            return _nodes.ContainsKey(node) ? Errno.Success : Errno.ENOENT;
        }
    }

    public void Destroy() => Destroyed++;

    private Errno Add(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, Action<MemoryNode>? setup, out FuseEntry entry)
    {
        var text = Name(name);
        lock (_lock)
        {
            entry = default;
            if (!_nodes.TryGetValue(parent, out var directory) || !directory.IsDirectory)
            {
                return Errno.ENOTDIR;
            }

            if (directory.Children.ContainsKey(text))
            {
                return Errno.EEXIST;
            }

            var node = NewNode(mode, context.Uid, context.Gid);
            setup?.Invoke(node);
            directory.Children[text] = node.Id;
            if (node.IsDirectory)
            {
                directory.NLink++;
            }

            directory.Touch();
            entry = node.Entry();
            return Errno.Success;
        }
    }

    private Errno Remove(ulong parent, string name, bool directory)
    {
        lock (_lock)
        {
            var container = _nodes[parent];
            if (!container.Children.TryGetValue(name, out var id))
            {
                return Errno.ENOENT;
            }

            var node = _nodes[id];
            if (node.IsDirectory != directory)
            {
                return directory ? Errno.ENOTDIR : Errno.EISDIR;
            }

            if (directory && node.Children.Count > 0)
            {
                return Errno.ENOTEMPTY;
            }

            container.Children.Remove(name);
            node.NLink = directory ? 0 : node.NLink - 1;
            if (directory)
            {
                container.NLink--;
            }

            container.Touch();
            return Errno.Success;
        }
    }

    private MemoryNode NewNode(uint mode, uint uid, uint gid)
    {
        var node = new MemoryNode(_nextNode++, mode, uid, gid);
        _nodes[node.Id] = node;
        return node;
    }

    private static string Name(ReadOnlySpan<byte> name) => Encoding.UTF8.GetString(name);

    private static Errno CopyOut(ReadOnlySpan<byte> source, Span<byte> destination, out int size)
    {
        size = source.Length;
        if (destination.IsEmpty)
        {
            return Errno.Success;
        }

        if (destination.Length < source.Length)
        {
            return Errno.ERANGE;
        }

        source.CopyTo(destination);
        return Errno.Success;
    }

    private static bool IsReadOnly(int flags) => (flags & LibCConstants.OAccessMode) == LibCConstants.ORdOnly;
}
