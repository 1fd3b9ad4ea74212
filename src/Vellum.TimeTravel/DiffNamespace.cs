using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Native;

namespace Vellum.TimeTravel;

/// <summary>
/// The tree's names and objects as the replayed transactions leave them, in memory, with no
/// content: each operation is attributed to an object by the identity the journal gives
/// (RESULT / INODE), else by the name it had then, as the catalog does (docs/catalog.md 2), so
/// an object keeps its identity across renames (its own or a directory's above it) and hard
/// links, and a create starts a new one even when an inode number is reused.
/// </summary>
internal sealed class DiffNamespace
{
    private const long Root = 1;

    private readonly Dictionary<long, DiffNode> _nodes = new() { [Root] = new DiffNode { Type = LibCConstants.SIfDir, Children = [] } };
    private readonly Dictionary<ulong, long> _inodes = [];
    private long _next = Root + 1;

    public void Apply(TransactionEntry transaction)
    {
        foreach (var operation in transaction.Operations)
            Apply(operation);
    }

    /// <summary>Every object reachable from the root now, with its paths (sorted) and its state; the root itself is left out.</summary>
    public Dictionary<long, (List<string> Paths, DiffNodeState State)> Walk()
    {
        var seen = new Dictionary<long, (List<string> Paths, DiffNodeState State)>();
        var pending = new Stack<(long Directory, string Prefix)>();
        pending.Push((Root, ""));
        while (pending.TryPop(out var at))
        {
            foreach (var (name, obj) in _nodes[at.Directory].Children!)
            {
                var path = at.Prefix + name;
                var node = _nodes[obj];
                if (seen.TryGetValue(obj, out var known))
                {
                    known.Paths.Add(path);
                    continue;
                }
                seen[obj] = ([path], node.State());
                if (node.Children is not null)
                    pending.Push((obj, path + "/"));
            }
        }
        foreach (var (paths, _) in seen.Values)
            paths.Sort(StringComparer.Ordinal);
        return seen;
    }

    private void Apply(JournalOperation operation)
    {
        var path = operation.Path;
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink:
            {
                var created = New(operation.Kind == SubRecordType.Symlink ? LibCConstants.SIfLnk : operation.Kind == SubRecordType.Mkdir ? LibCConstants.SIfDir : LibCConstants.SIfReg);
                Node(created).Apply(operation.Redo?.Attributes);
                Node(created).Apply(operation.Result?.Attributes);
                Bind(path, created);
                SetInode(operation.Result?.Inode, created);
                break;
            }
            case SubRecordType.Link:
            {
                var linked = Existing(operation.Inode ?? operation.Result?.Inode, path);
                Bind(operation.Path2, linked);
                Node(linked).Apply(operation.Result?.Attributes);
                break;
            }
            case SubRecordType.Unlink or SubRecordType.Rmdir:
                Unbind(path);
                break;
            case SubRecordType.Rename:
                Rename(operation);
                break;
            case SubRecordType.Write or SubRecordType.Truncate or SubRecordType.Fallocate:
                Changed(operation, content: true);
                break;
            case SubRecordType.SetAttr:
                Changed(operation, content: operation.Redo?.Attributes?.Size is not null);
                break;
            case SubRecordType.SetXattr or SubRecordType.RemoveXattr:
            {
                var node = Changed(operation, content: false);
                node.SetXattrs(operation.Kind == SubRecordType.SetXattr
                    ? operation.Redo?.Xattrs ?? []
                    : (operation.Redo?.Xattrs ?? []).Select(x => x with { Value = null }), exactly: false);
                break;
            }
            case SubRecordType.Baseline:
                Baseline(operation);
                break;
        }
    }

    private DiffNode Changed(JournalOperation operation, bool content)
    {
        var node = Node(Existing(operation.Result?.Inode ?? operation.Inode, operation.Path));
        if (content)
            node.ContentChanges++;
        node.Apply(operation.Redo?.Attributes is { } redo ? new NodeAttributes { Mode = redo.Mode, Uid = redo.Uid, Gid = redo.Gid } : null);
        node.Apply(operation.Result?.Attributes);
        return node;
    }

    private void Rename(JournalOperation operation)
    {
        var moved = At(operation.Path) ?? Existing(operation.Inode ?? operation.Result?.Inode, operation.Path);
        if (operation.Path is null || operation.Path2 is null)
            return;
        var there = At(operation.Path2);
        if (((operation.Redo?.Flags ?? 0) & LibCConstants.RenameExchange) != 0 && there is { } other)
        {
            Bind(operation.Path, other);
            Bind(operation.Path2, moved);
        }
        else
        {
            Unbind(operation.Path);
            Bind(operation.Path2, moved);
        }
        Node(moved).Apply(operation.Result?.Attributes);
    }

    private void Baseline(JournalOperation operation)
    {
        var flags = (BaselineFlags)(operation.Redo?.Flags ?? 0);
        if (operation.Path is not { } path)
            return;
        var isRoot = PathComponents.Of(path).Count == 0;
        if ((flags & BaselineFlags.Remove) != 0 && !isRoot)
        {
            Unbind(path);
            // A name found gone: nothing to establish there (binding an object to it would bring it back).
            if ((flags & BaselineFlags.Name) == 0)
                return;
        }
        long target;
        if (isRoot)
        {
            target = Root;
        }
        else if ((flags & BaselineFlags.Name) != 0 && operation.Path2 is { } linkTo)
        {
            target = At(linkTo) ?? Existing(operation.Inode, linkTo);
            Bind(path, target);
        }
        else if ((flags & BaselineFlags.Name) != 0)
        {
            // The same node kept its name when the name still leads to this inode's object; otherwise it holds a new one.
            var named = At(path);
            target = named is { } same && operation.Inode is { } inode && _inodes.GetValueOrDefault(inode) == same ? same : New(LibCConstants.SIfReg);
            Bind(path, target);
        }
        else
        {
            target = At(path) ?? Existing(operation.Inode, path);
        }
        SetInode(operation.Inode, target);
        var node = Node(target);
        if ((flags & BaselineFlags.Name) != 0)
            node.Apply(operation.Redo?.Attributes is { Mode: { } mode } ? new NodeAttributes { Mode = mode } : null);
        if ((flags & (BaselineFlags.Reset | BaselineFlags.Data)) != 0)
            node.ContentChanges++;
        if ((flags & BaselineFlags.Attrs) != 0)
        {
            node.Apply(operation.Redo?.Attributes);
            node.SetXattrs(operation.Redo?.Xattrs ?? [], exactly: true);
        }
    }

    private DiffNode Node(long obj) => _nodes[obj];

    private long New(uint type)
    {
        var obj = _next++;
        _nodes[obj] = new DiffNode { Type = type, Children = type == LibCConstants.SIfDir ? [] : null };
        return obj;
    }

    private void SetInode(ulong? inode, long obj)
    {
        if (inode is { } number)
            _inodes[number] = obj;
    }

    /// <summary>The object of an inode, else of a path; a new one bound there when the journal never showed it.</summary>
    private long Existing(ulong? inode, byte[]? path)
    {
        if (inode is { } number && _inodes.TryGetValue(number, out var byInode))
            return byInode;
        if (At(path) is { } byPath)
        {
            SetInode(inode, byPath);
            return byPath;
        }
        var unseen = New(LibCConstants.SIfReg);
        Bind(path, unseen);
        SetInode(inode, unseen);
        return unseen;
    }

    private long? At(byte[]? path)
    {
        if (path is null)
            return null;
        var current = Root;
        foreach (var name in PathComponents.Of(path))
        {
            if (_nodes[current].Children is not { } children || !children.TryGetValue(name, out var next))
                return null;
            current = next;
        }
        return current;
    }

    private void Bind(byte[]? path, long obj)
    {
        if (Parent(path) is { } at)
            at.Children[at.Name] = obj;
    }

    private void Unbind(byte[]? path)
    {
        if (Parent(path) is { } at)
            at.Children.Remove(at.Name);
    }

    private (Dictionary<string, long> Children, string Name)? Parent(byte[]? path)
    {
        if (path is null)
            return null;
        var names = PathComponents.Of(path);
        if (names.Count == 0)
            return null;
        var current = Root;
        for (var i = 0; i < names.Count - 1; i++)
        {
            if (_nodes[current].Children is not { } children || !children.TryGetValue(names[i], out var next))
                return null;
            current = next;
        }
        return _nodes[current].Children is { } parent ? (parent, names[^1]) : null;
    }
}
