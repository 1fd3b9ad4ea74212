using System.Text;
using Vellum.Catalog;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.TimeTravel;

/// <summary>
/// The tree at a moment as the catalog sees it: its name operations up to the moment replayed
/// in id order, each directory's names pointing at objects, as the catalog's indexer moved
/// them (docs/catalog.md 2). Which objects are reachable from the root then (a file removed
/// before the moment is not), which were ever directories, which lie under a subpath, and which
/// directories' entries each name operation changed.
/// </summary>
internal sealed class MomentTree
{
    private const long Root = 1;

    private readonly Dictionary<(long Parent, string Name), long> _names = [];
    private readonly HashSet<long> _directories = [Root];

    /// <summary>The directories whose entries each name operation changed (those of PATH and PATH2 then).</summary>
    private readonly Dictionary<(ulong Id, int Sequence), List<long>> _changedDirectories = [];

    private List<long>? _changing;
    private HashSet<long>? _named;

    public static MomentTree Build(IReadOnlyList<CatalogOperation> operations)
    {
        var tree = new MomentTree();
        foreach (var step in operations.Where(ChangesNames).GroupBy(operation => (operation.TransactionId, operation.Sequence)).OrderBy(group => group.Key))
        {
            tree._changing = tree._changedDirectories[step.Key] = [];
            tree.Apply([.. step]);
        }
        return tree;
    }

    /// <summary>Whether the object had a name (one reachable from the root) at the moment.</summary>
    public bool IsNamed(long obj) => (_named ??= Below(Root)).Contains(obj);

    /// <summary>The objects under <paramref name="subPath"/> at the moment (none when it named nothing then).</summary>
    public HashSet<long> Under(string[] subPath)
    {
        var current = (long?)Root;
        foreach (var name in subPath)
            current = current is { } parent && _names.TryGetValue((parent, name), out var child) ? child : null;
        return current is { } top ? Below(top) : [];
    }

    /// <summary>
    /// The objects outside a subtree (<paramref name="inside"/>) whose name operations a restore
    /// of it replays: every directory (the paths of the subtree's operations pass through them),
    /// whatever changed the entries of a directory inside (its mtime is the last such change:
    /// a file renamed out, one removed), and whoever a rename of one of those swapped or
    /// replaced, so that each name operation replays as it happened.
    /// </summary>
    public HashSet<long> NamesReplayed(HashSet<long> inside, IReadOnlyList<CatalogOperation> operations)
    {
        var replayed = new HashSet<long>(_directories);
        var steps = operations.Where(ChangesNames).GroupBy(operation => (operation.TransactionId, operation.Sequence)).ToList();
        foreach (var step in steps.Where(step => _changedDirectories.GetValueOrDefault(step.Key)?.Any(inside.Contains) == true))
            replayed.UnionWith(step.Select(operation => operation.Object));
        var renames = steps.Where(step => step.First().Operation == SubRecordType.Rename).Select(step => step.Select(operation => operation.Object).ToList()).Where(objects => objects.Count > 1).ToList();
        var grew = true;
        while (grew)
        {
            grew = false;
            foreach (var together in renames.Where(objects => objects.Any(obj => replayed.Contains(obj) || inside.Contains(obj))))
                grew |= together.Count(replayed.Add) > 0;
        }
        return replayed;
    }

    /// <summary>Whether the operation changes names (the only kind a restore replays of an object outside its subtree).</summary>
    public static bool ChangesNames(CatalogOperation operation) => operation.Operation is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod
        or SubRecordType.Symlink or SubRecordType.Link or SubRecordType.Unlink or SubRecordType.Rmdir or SubRecordType.Rename or SubRecordType.Baseline;

    /// <summary>One operation's rows (one per object it touched), as the catalog's indexer moved its names.</summary>
    private void Apply(List<CatalogOperation> rows)
    {
        var target = rows.FirstOrDefault(row => row.Role == CatalogRole.Target);
        switch (rows[0].Operation)
        {
            case SubRecordType.Mkdir when target?.Path is { } path:
                _directories.Add(target.Object);
                Bind(path, target.Object);
                break;
            case SubRecordType.Create or SubRecordType.Mknod or SubRecordType.Symlink when target?.Path is { } path:
                Bind(path, target.Object);
                break;
            case SubRecordType.Link when target?.Path2 is { } path2:
                Bind(path2, target.Object);
                break;
            case SubRecordType.Unlink or SubRecordType.Rmdir when target?.Path is { } path:
                Unbind(path);
                break;
            case SubRecordType.Rename when target is { Path: { } from, Path2: { } to }:
                if (rows.FirstOrDefault(row => row.Role == CatalogRole.Exchanged) is { } other)
                {
                    Bind(from, other.Object);
                }
                else
                {
                    Unbind(from);
                }
                Bind(to, target.Object);
                break;
            case SubRecordType.Baseline:
                foreach (var removed in rows.Where(row => row.Role == CatalogRole.Removed && row.Path is not null))
                    Unbind(removed.Path!);
                if (target is { Path: { Length: > 0 } named } && ((BaselineFlags)(target.Flags ?? 0)).HasFlag(BaselineFlags.Name))
                    Bind(named, target.Object);
                break;
        }
    }

    private void Bind(byte[] path, long obj)
    {
        if (Parent(path) is { } key)
            _names[key] = obj;
    }

    private void Unbind(byte[] path)
    {
        if (Parent(path) is { } key)
            _names.Remove(key);
    }

    /// <summary>The directory object and last name of <paramref name="path"/>; null when a directory on the way has no name.</summary>
    private (long Parent, string Name)? Parent(byte[] path)
    {
        var names = PathComponents.Of(path);
        if (names.Count == 0)
            return null;
        var current = Root;
        for (var i = 0; i < names.Count - 1; i++)
        {
            if (!_names.TryGetValue((current, names[i]), out current))
                return null;
            _directories.Add(current);
        }
        _changing?.Add(current);
        return (current, names[^1]);
    }

    /// <summary>The object and everything reachable below it.</summary>
    private HashSet<long> Below(long top)
    {
        var children = _names.GroupBy(pair => pair.Key.Parent).ToDictionary(group => group.Key, group => group.Select(pair => pair.Value).ToList());
        var found = new HashSet<long> { top };
        var pending = new Stack<long>();
        pending.Push(top);
        while (pending.TryPop(out var obj))
        {
            foreach (var child in children.GetValueOrDefault(obj) ?? [])
            {
                if (found.Add(child))
                    pending.Push(child);
            }
        }
        return found;
    }
}
