using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.TimeTravel.Undo;

/// <summary>
/// The tree's names and metadata as the replayed transactions leave them in a replica, in
/// memory, without content: what a change's UNDO does not carry. Each operation changes what
/// the mirror's applier changes (its node gets RESULT's owner, mode and times, the directories
/// RESULT's mtimes), attributed to an object by the identity the journal gives (RESULT / INODE)
/// or else by name, as the catalog does. Once <see cref="StartRange"/> is called, the first
/// change to an object keeps what it was before (<see cref="UndoNode.AtMoment"/>): the state
/// at the moment an undo goes back to.
/// </summary>
internal sealed class UndoNamespace
{
    public const long Root = 1;

    private readonly Dictionary<long, UndoNode> _nodes = new() { [Root] = new UndoNode { Type = LibCConstants.SIfDir, Children = [] } };
    private readonly Dictionary<ulong, long> _inodes = [];
    private long _next = Root + 1;
    private long _firstAfterMoment = long.MaxValue;
    private bool _recording;

    /// <summary>The transactions applied from now on come after the moment: keep each object's state before its first change.</summary>
    public void StartRange()
    {
        _recording = true;
        _firstAfterMoment = _next;
    }

    public UndoNode Node(long obj) => _nodes[obj];

    /// <summary>The object a path names now, or null.</summary>
    public long? At(byte[]? path)
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

    /// <summary>The paths <paramref name="obj"/> has now besides <paramref name="path"/>.</summary>
    public List<byte[]> OtherNames(long obj, byte[] path)
    {
        var names = new List<byte[]>();
        foreach (var (parent, name) in _nodes[obj].Links)
        {
            if (PathOf(parent, atMoment: false) is { } directory && Join(directory, name) is var other && !other.AsSpan().SequenceEqual(path))
                names.Add(other);
        }
        return names;
    }

    /// <summary>Every object that existed at the moment and was changed after it: its path and state then (the root's path is empty).</summary>
    public IEnumerable<(byte[] Path, UndoNodeState State)> ChangedSinceMoment()
    {
        foreach (var (obj, node) in _nodes)
        {
            if (node.AtMoment is { } state && PathOf(obj, atMoment: true) is { } path)
                yield return (path, state);
        }
    }

    public void Apply(JournalOperation operation)
    {
        var path = operation.Path;
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink:
            {
                var created = New(operation.Kind switch
                {
                    SubRecordType.Symlink => LibCConstants.SIfLnk,
                    SubRecordType.Mkdir => LibCConstants.SIfDir,
                    _ => LibCConstants.SIfReg,
                });
                SetAttributes(created, operation.Redo?.Attributes);
                SetAttributes(created, operation.Result?.Attributes);
                Bind(path, created);
                SetInode(operation.Result?.Inode, created);
                break;
            }
            case SubRecordType.Link:
            {
                var linked = Existing(operation.Inode ?? operation.Result?.Inode, path);
                Bind(operation.Path2, linked);
                SetAttributes(linked, operation.Result?.Attributes);
                break;
            }
            case SubRecordType.Unlink or SubRecordType.Rmdir:
                Unbind(path);
                break;
            case SubRecordType.Rename:
                Rename(operation);
                break;
            case SubRecordType.Write or SubRecordType.Truncate or SubRecordType.Fallocate or SubRecordType.SetAttr:
                if (path is not null)
                {
                    var node = Existing(operation.Result?.Inode ?? operation.Inode, path);
                    if (operation.Kind == SubRecordType.SetAttr)
                        SetAttributes(node, operation.Redo?.Attributes);
                    SetAttributes(node, operation.Result?.Attributes);
                }
                break;
            case SubRecordType.SetXattr or SubRecordType.RemoveXattr:
                if (path is not null)
                {
                    var node = Existing(operation.Result?.Inode ?? operation.Inode, path);
                    Touch(node);
                    _nodes[node].SetXattrs(operation.Kind == SubRecordType.SetXattr
                        ? operation.Redo?.Xattrs ?? []
                        : (operation.Redo?.Xattrs ?? []).Select(x => x with { Value = null }), exactly: false);
                    SetAttributes(node, operation.Result?.Attributes);
                }
                break;
            case SubRecordType.Baseline:
                Baseline(operation);
                break;
        }
        if (operation.Result?.DirMtime is { } dirMtime && Directory(path) is { } directory)
            SetMtime(directory, dirMtime);
        if (operation.Result?.Dir2Mtime is { } dir2Mtime && Directory(operation.Path2) is { } directory2)
            SetMtime(directory2, dir2Mtime);
    }

    private void Rename(JournalOperation operation)
    {
        if (operation.Path is null || operation.Path2 is null)
            return;
        var moved = At(operation.Path) ?? Existing(operation.Inode ?? operation.Result?.Inode, operation.Path);
        var there = At(operation.Path2);
        if (there == moved)
        {
            // Two names of one inode: rename(2) leaves both.
        }
        else if (((operation.Redo?.Flags ?? 0) & LibCConstants.RenameExchange) != 0 && there is { } other)
        {
            Unbind(operation.Path);
            Unbind(operation.Path2);
            Bind(operation.Path, other);
            Bind(operation.Path2, moved);
        }
        else
        {
            Unbind(operation.Path);
            Bind(operation.Path2, moved);
        }
        SetAttributes(moved, operation.Result?.Attributes);
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
            if (At(path) != target)
                Bind(path, target);
        }
        else if ((flags & BaselineFlags.Name) != 0)
        {
            var named = At(path);
            var type = operation.Redo?.Attributes?.Mode is { } mode ? mode & LibCConstants.SIfMt : LibCConstants.SIfReg;
            target = named is { } same && operation.Inode is { } inode && _inodes.GetValueOrDefault(inode) == same && _nodes[same].Type == type ? same : New(type);
            if (named != target)
                Bind(path, target);
        }
        else
        {
            target = At(path) ?? Existing(operation.Inode, path);
        }
        SetInode(operation.Inode, target);
        if ((flags & BaselineFlags.Attrs) != 0)
        {
            SetAttributes(target, operation.Redo?.Attributes);
            _nodes[target].SetXattrs(operation.Redo?.Xattrs ?? [], exactly: true);
        }
    }

    private void Touch(long obj)
    {
        var node = _nodes[obj];
        if (_recording && obj < _firstAfterMoment && node.AtMoment is null)
            node.AtMoment = node.State();
    }

    private void SetAttributes(long obj, NodeAttributes? attributes)
    {
        if (attributes is null)
            return;
        Touch(obj);
        _nodes[obj].Apply(attributes);
    }

    private void SetMtime(long obj, JournalTimestamp mtime)
    {
        Touch(obj);
        _nodes[obj].Mtime = mtime;
    }

    private long New(uint type)
    {
        var obj = _next++;
        _nodes[obj] = new UndoNode { Type = type, Children = type == LibCConstants.SIfDir ? [] : null };
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

    /// <summary>The directory holding <paramref name="path"/>'s last name, when it exists.</summary>
    private long? Directory(byte[]? path)
    {
        if (path is null || PathComponents.Of(path).Count == 0)
            return null;
        var slash = path.AsSpan().LastIndexOf((byte)'/');
        return slash < 0 ? Root : At(path[..slash]);
    }

    private void Bind(byte[]? path, long obj)
    {
        if (Parent(path) is not { } at)
            return;
        Touch(at.Directory);
        if (_nodes[at.Directory].Children!.TryGetValue(at.Name, out var replaced))
        {
            Touch(replaced);
            _nodes[replaced].Links.Remove((at.Directory, at.Name));
        }
        Touch(obj);
        _nodes[at.Directory].Children![at.Name] = obj;
        _nodes[obj].Links.Add((at.Directory, at.Name));
    }

    private void Unbind(byte[]? path)
    {
        if (Parent(path) is not { } at || !_nodes[at.Directory].Children!.Remove(at.Name, out var removed))
            return;
        Touch(at.Directory);
        Touch(removed);
        _nodes[removed].Links.Remove((at.Directory, at.Name));
    }

    private (long Directory, string Name)? Parent(byte[]? path)
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
        return _nodes[current].Children is not null ? (current, names[^1]) : null;
    }

    /// <summary>A path of <paramref name="obj"/> (its first name) now, or at the moment; null when it had none.</summary>
    private byte[]? PathOf(long obj, bool atMoment)
    {
        var names = new List<string>();
        var current = obj;
        while (current != Root)
        {
            var node = _nodes[current];
            var links = atMoment ? node.AtMoment?.Links ?? node.Links : node.Links;
            if (links.Count == 0 || names.Count > _nodes.Count)
                return null;
            names.Add(links[0].Name);
            current = links[0].Parent;
        }
        names.Reverse();
        return Encoding.Latin1.GetBytes(string.Join('/', names));
    }

    private static byte[] Join(byte[] directory, string name) =>
        directory.Length == 0 ? Encoding.Latin1.GetBytes(name) : [.. directory, (byte)'/', .. Encoding.Latin1.GetBytes(name)];
}
