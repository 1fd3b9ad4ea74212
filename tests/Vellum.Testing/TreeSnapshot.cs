namespace Vellum.Testing;

/// <summary>A tree's state as <see cref="TreeComparison.Snapshot"/> recorded it: what it compares, content as digests.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TreeSnapshot
{
    internal TreeSnapshot(string root, Dictionary<string, TreeComparison.Entry> entries)
    {
        Root = root;
        Entries = entries;
    }

    /// <summary>The directory it was recorded from.</summary>
    public string Root { get; }

    /// <summary>How many names it holds, the root included.</summary>
    public int Count => Entries.Count;

    internal Dictionary<string, TreeComparison.Entry> Entries { get; }

    /// <summary>Each recorded path (relative, "." the root) as what a diff of two moments compares: identity, content, metadata.</summary>
    public IReadOnlyDictionary<string, TreeSnapshotItem> Items() => Entries.ToDictionary(
        pair => pair.Key,
        pair => pair.Value.Node is var node
            ? new TreeSnapshotItem(node.Inode, node.Type,
                $"{node.Size} {node.Content} {node.Extents} {node.LinkTarget} {node.Rdev}",
                $"{Convert.ToString(node.Mode, 8)} {node.Uid}:{node.Gid} {string.Join(',', node.Xattrs.Select(x => $"{x.Key}={x.Value}"))}",
                $"{node.MtimeSeconds}.{node.MtimeNanoseconds:D9}")
            : throw new InvalidOperationException(),
        StringComparer.Ordinal);
}

/// <summary>One path of a <see cref="TreeSnapshot"/>: its inode, type (S_IFMT bits), content (size, digest, extents, symlink target, device), metadata (mode, owner, xattrs) and mtime, as comparable text.</summary>
public sealed record TreeSnapshotItem(ulong Inode, uint Type, string Content, string Metadata, string Mtime)
{
    public bool IsDirectory => Type == Native.LibCConstants.SIfDir;
}
