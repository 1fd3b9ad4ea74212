using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>One name in a listed tree: its path, type and the attributes the journal last gave it.</summary>
public sealed record ListedEntry(string Path, uint Type, uint Mode, uint Uid, uint Gid, ulong Size, JournalTimestamp? Mtime, string? Target);

/// <summary>
/// `vellum ls --at`: the tree's names and attributes at a moment, by a replay of the store's
/// committed transactions in id order into memory, metadata only: no file content is kept or
/// written (a write moves a size), so it costs one read of the journal up to the moment (to its
/// end with <c>deleted</c>) and memory for the names, not the data. Names are each object's
/// path; hard links share one node.
/// </summary>
public static class TreeListing
{
    public const uint TypeMask = 0xF000;
    public const uint DirectoryType = 0x4000;
    public const uint RegularType = 0x8000;
    public const uint SymlinkType = 0xA000;

    private sealed class Node
    {
        public uint Type;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        public ulong Size;
        public JournalTimestamp? Mtime;
        public string? Target;
    }

    /// <summary>
    /// The entries under <paramref name="directory"/> ("" for the root) at <paramref name="moment"/>
    /// (its children, or with <paramref name="recursive"/> its whole subtree), sorted by path;
    /// with <paramref name="deletedOnly"/> only those the newest state no longer holds under any name (renamed or hard-linked elsewhere is not lost).
    /// Null when <paramref name="directory"/> was not a directory then.
    /// </summary>
    public static IReadOnlyList<ListedEntry>? List(string storeDirectory, ResolvedMoment moment, string directory, bool recursive, bool deletedOnly, CancellationToken cancellation = default)
    {
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        var tree = new Dictionary<string, Node>(StringComparer.Ordinal) { [""] = new Node { Type = DirectoryType, Mode = 0x1ED } };
        List<(ListedEntry Entry, Node Node)>? then = null;
        var prefix = directory.Trim('/');
        foreach (var (id, committed) in new OrderedReading(store).Read(deletedOnly ? ulong.MaxValue : moment.TransactionId, cancellation))
        {
            if (id > moment.TransactionId && then is null)
                then = Select(tree, prefix, recursive);
            if (committed is null)
                continue;
            foreach (var operation in committed.Operations)
                Apply(tree, operation);
        }
        cancellation.ThrowIfCancellationRequested();
        then ??= Select(tree, prefix, recursive);
        if (then is null)
            return null;
        if (!deletedOnly)
            return [.. then.Select(listed => listed.Entry)];
        // Gone is gone from every name: a file renamed or still reachable by a hard link was not lost.
        var remaining = new HashSet<Node>(tree.Values, ReferenceEqualityComparer.Instance);
        return [.. then.Where(listed => !remaining.Contains(listed.Node)).Select(listed => listed.Entry)];
    }

    private static List<(ListedEntry Entry, Node Node)>? Select(Dictionary<string, Node> tree, string prefix, bool recursive)
    {
        if (!tree.TryGetValue(prefix, out var top) || top.Type != DirectoryType)
            return null;
        var under = prefix.Length == 0 ? "" : prefix + "/";
        return
        [
            .. tree.Where(pair => pair.Key.Length > under.Length && pair.Key.StartsWith(under, StringComparison.Ordinal)
                    && (recursive || pair.Key.IndexOf('/', under.Length) < 0))
                .Select(pair => (new ListedEntry(pair.Key, pair.Value.Type, pair.Value.Mode, pair.Value.Uid, pair.Value.Gid, pair.Value.Size, pair.Value.Mtime, pair.Value.Target), pair.Value))
                .OrderBy(listed => listed.Item1.Path, StringComparer.Ordinal),
        ];
    }

    private static void Apply(Dictionary<string, Node> tree, JournalOperation operation)
    {
        var path = Text(operation.Path);
        var path2 = Text(operation.Path2);
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink when path is not null:
                var created = new Node
                {
                    Type = operation.Kind switch
                    {
                        SubRecordType.Create => RegularType,
                        SubRecordType.Mkdir => DirectoryType,
                        SubRecordType.Symlink => SymlinkType,
                        _ => (operation.Redo?.Attributes?.Mode ?? 0) & TypeMask,
                    },
                    Target = operation.Redo?.Target is { } target ? Encoding.UTF8.GetString(target) : null,
                };
                Merge(created, operation.Redo?.Attributes);
                Merge(created, operation.Result?.Attributes);
                if (created.Type == SymlinkType && created.Target is not null && created.Size == 0)
                    created.Size = (ulong)Encoding.UTF8.GetByteCount(created.Target);
                tree[path] = created;
                break;
            case SubRecordType.Link when path is not null && path2 is not null && tree.TryGetValue(path, out var linked):
                tree[path2] = linked;
                Merge(linked, operation.Result?.Attributes);
                break;
            case SubRecordType.Unlink or SubRecordType.Rmdir when path is not null:
                Remove(tree, path);
                break;
            case SubRecordType.Rename when path is not null && path2 is not null:
                Rename(tree, path, path2, ((operation.Redo?.Flags ?? 0) & 2) != 0);
                break;
            case SubRecordType.Baseline when path is not null:
                Baseline(tree, path, path2, operation);
                break;
            case SubRecordType.Checkpoint or SubRecordType.Snapshot or SubRecordType.Fsync:
                break;
            default:
                if (path is not null && tree.TryGetValue(path, out var changed))
                {
                    Merge(changed, operation.Redo?.Attributes);
                    if (operation.Kind == SubRecordType.Write && operation.Redo is { Offset: { } offset, Data: { } data })
                        changed.Size = Math.Max(changed.Size, offset + (ulong)data.Length);
                    Merge(changed, operation.Result?.Attributes);
                }
                break;
        }
    }

    private static void Baseline(Dictionary<string, Node> tree, string path, string? path2, JournalOperation operation)
    {
        var flags = (BaselineFlags)(operation.Redo?.Flags ?? 0);
        if (flags.HasFlag(BaselineFlags.Remove) && path.Length > 0)
            Remove(tree, path);
        if (flags.HasFlag(BaselineFlags.Name) && path2 is not null && tree.TryGetValue(path2, out var other))
        {
            tree[path] = other;
            return;
        }
        if (!tree.TryGetValue(path, out var node) || flags.HasFlag(BaselineFlags.Name))
        {
            if (!flags.HasFlag(BaselineFlags.Name) && path.Length > 0)
                return;
            node = path.Length == 0 && tree.TryGetValue("", out var root) ? root : new Node();
            tree[path] = node;
        }
        Merge(node, operation.Redo?.Attributes);
        if (operation.Redo?.Target is { } target)
            node.Target = Encoding.UTF8.GetString(target);
        Merge(node, operation.Result?.Attributes);
    }

    private static void Merge(Node node, NodeAttributes? attributes)
    {
        if (attributes is null)
            return;
        if (attributes.Mode is { } mode)
        {
            if ((mode & TypeMask) != 0)
                node.Type = mode & TypeMask;
            node.Mode = mode & 0xFFF;
        }
        node.Uid = attributes.Uid ?? node.Uid;
        node.Gid = attributes.Gid ?? node.Gid;
        node.Size = attributes.Size ?? node.Size;
        node.Mtime = attributes.Mtime ?? node.Mtime;
    }

    private static void Remove(Dictionary<string, Node> tree, string path)
    {
        if (!tree.Remove(path, out var removed) || removed.Type != DirectoryType)
            return;
        var under = path + "/";
        foreach (var key in tree.Keys.Where(key => key.StartsWith(under, StringComparison.Ordinal)).ToList())
            tree.Remove(key);
    }

    private static void Rename(Dictionary<string, Node> tree, string from, string to, bool exchange)
    {
        var moved = Subtree(tree, from);
        if (exchange)
        {
            var other = Subtree(tree, to);
            foreach (var (key, node) in other)
                tree[from + key[to.Length..]] = node;
        }
        else
        {
            Remove(tree, to);
        }
        foreach (var (key, node) in moved)
            tree[to + key[from.Length..]] = node;
    }

    /// <summary>Takes <paramref name="path"/> and everything under it out of the tree.</summary>
    private static List<(string Key, Node Node)> Subtree(Dictionary<string, Node> tree, string path)
    {
        // Only a directory has names under it: the whole tree is scanned for those alone.
        if (!tree.TryGetValue(path, out var top))
            return [];
        if (top.Type != DirectoryType)
        {
            tree.Remove(path);
            return [(path, top)];
        }
        var under = path + "/";
        var taken = tree.Where(pair => pair.Key == path || pair.Key.StartsWith(under, StringComparison.Ordinal)).Select(pair => (pair.Key, pair.Value)).ToList();
        foreach (var (key, _) in taken)
            tree.Remove(key);
        return taken;
    }

    private static string? Text(byte[]? path) => path is null ? null : Encoding.UTF8.GetString(path).Trim('/');
}
