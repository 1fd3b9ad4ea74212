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
}
