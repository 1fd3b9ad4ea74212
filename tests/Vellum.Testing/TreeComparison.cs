using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>
/// Compares two directory trees, recursively and without following symlinks: names, types,
/// permission and set-ID/sticky bits, owners, sizes, mtimes (to the nanosecond), regular file
/// content and sparse layout (the SEEK_DATA / SEEK_HOLE extent map), symlink targets, device
/// numbers, xattrs and hard-link structure (which names share an inode). Ctimes and inode
/// numbers differ between any two trees and are not compared; atimes only where a program
/// set them (<see cref="TreeComparisonOptions.AtimesSetBefore"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TreeComparison
{
    /// <summary>Every difference, in path order; empty when the trees are equal.</summary>
    public static IReadOnlyList<TreeDifference> Compare(string expectedRoot, string actualRoot, TreeComparisonOptions? options = null)
    {
        options ??= new TreeComparisonOptions();
        return Compare(Walk(expectedRoot, options), Walk(actualRoot, options), options);
    }

    /// <summary>
    /// Everything <see cref="Compare(string, string, TreeComparisonOptions?)"/> compares of the tree
    /// as it is now (content as digests), to compare a directory with later: a tree's state at a
    /// moment that has since passed.
    /// </summary>
    public static TreeSnapshot Snapshot(string root, TreeComparisonOptions? options = null) =>
        new(root, Walk(root, options ?? new TreeComparisonOptions()));

    /// <summary>Every difference between a recorded tree and <paramref name="actualRoot"/> now.</summary>
    public static IReadOnlyList<TreeDifference> Compare(TreeSnapshot expected, string actualRoot, TreeComparisonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        options ??= new TreeComparisonOptions();
        return Compare(expected.Entries, Walk(actualRoot, options), options);
    }

    private static List<TreeDifference> Compare(Dictionary<string, Entry> expected, Dictionary<string, Entry> actual, TreeComparisonOptions options)
    {
        var differences = new List<TreeDifference>();
        foreach (var path in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(path, out var actualNode))
                differences.Add(new TreeDifference(path, "existence", "present", "missing"));
            else if (!expected.TryGetValue(path, out var expectedNode))
                differences.Add(new TreeDifference(path, "existence", "missing", "present"));
            else
                CompareNodes(path, expectedNode, actualNode, options, differences);
        }
        return differences;
    }

    /// <summary>Throws <see cref="TreeComparisonException"/> naming the first differences.</summary>
    public static void AssertEqual(string expectedRoot, string actualRoot, TreeComparisonOptions? options = null)
    {
        var differences = Compare(expectedRoot, actualRoot, options);
        if (differences.Count == 0)
            return;
        const int Shown = 10;
        throw new TreeComparisonException(
            $"{actualRoot} differs from {expectedRoot} in {differences.Count} place{(differences.Count == 1 ? "" : "s")}:\n  "
            + string.Join("\n  ", differences.Take(Shown))
            + (differences.Count > Shown ? $"\n  ... and {differences.Count - Shown} more" : ""));
    }

    /// <summary>A node and the first path (in ordinal order) of the names sharing its inode.</summary>
    internal sealed record Entry(TreeComparisonNode Node, string LinkGroup);

    private static Dictionary<string, Entry> Walk(string root, TreeComparisonOptions options)
    {
        var nodes = new SortedDictionary<string, TreeComparisonNode>(StringComparer.Ordinal) { ["."] = RootNode(root, options) };
        using (var directory = TreeDirectory.OpenAt(LibCConstants.AtFdCwd, root, LibCConstants.ORdOnly | LibCConstants.ODirectory, root))
            WalkDirectory(directory, "", nodes, options);
        var firstNameOf = new Dictionary<ulong, string>();
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (path, node) in nodes)
        {
            var group = node.Type == TreeComparisonNode.Directory ? path : firstNameOf.TryAdd(node.Inode, path) ? path : firstNameOf[node.Inode];
            entries[path] = new Entry(node, group);
        }
        return entries;
    }

    /// <summary>
    /// Reads every node under <paramref name="directory"/> relative to its descriptor, one
    /// descriptor per level: a tree deeper than PATH_MAX has paths no call would take.
    /// </summary>
    private static void WalkDirectory(SafeFileHandle directory, string prefix, SortedDictionary<string, TreeComparisonNode> nodes, TreeComparisonOptions options)
    {
        var fd = (int)directory.DangerousGetHandle();
        foreach (var name in TreeDirectory.Names(directory, prefix))
        {
            var path = prefix + name;
            if (options.Skip?.Invoke(path) == true)
                continue;
            var node = TreeComparisonNode.Read(fd, name, path);
            nodes[path] = node;
            if (node.Type != TreeComparisonNode.Directory)
                continue;
            using var child = TreeDirectory.OpenAt(fd, name, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow, path);
            WalkDirectory(child, path + "/", nodes, options);
        }
    }

    private static TreeComparisonNode RootNode(string root, TreeComparisonOptions options)
    {
        var node = TreeComparisonNode.Read(LibCConstants.AtFdCwd, root, root);
        foreach (var name in options.IgnoredRootXattrs)
            node.Xattrs.Remove(name);
        return node;
    }

    private static void CompareNodes(string path, Entry expected, Entry actual, TreeComparisonOptions options, List<TreeDifference> differences)
    {
        var (e, a) = (expected.Node, actual.Node);
        void Check<T>(string field, T expectedValue, T actualValue)
        {
            if (!EqualityComparer<T>.Default.Equals(expectedValue, actualValue))
                differences.Add(new TreeDifference(path, field, Show(expectedValue), Show(actualValue)));
        }

        Check("type", Octal(e.Type), Octal(a.Type));
        if (e.Type != a.Type)
            return;
        Check("mode", Octal(e.Mode), Octal(a.Mode));
        Check("uid", e.Uid, a.Uid);
        Check("gid", e.Gid, a.Gid);
        var isDirectory = e.Type == TreeComparisonNode.Directory;
        if (!isDirectory)
        {
            Check("size", e.Size, a.Size);
            Check("nlink", e.Nlink, a.Nlink);
            Check("hard links (first name sharing the inode)", expected.LinkGroup, actual.LinkGroup);
        }
        var skipMtime = isDirectory && (options.IgnoreDirectoryMtimes || (path == "." && options.IgnoreRootMtime));
        if (!skipMtime && (options.MtimesSetBefore is not { } mtimeCutoff || e.MtimeSeconds < mtimeCutoff.ToUnixTimeSeconds()))
            Check("mtime", $"{e.MtimeSeconds}.{e.MtimeNanoseconds:D9}", $"{a.MtimeSeconds}.{a.MtimeNanoseconds:D9}");
        if (options.AtimesSetBefore is { } atimeCutoff && e.AtimeSeconds < atimeCutoff.ToUnixTimeSeconds())
            Check("atime", $"{e.AtimeSeconds}.{e.AtimeNanoseconds:D9}", $"{a.AtimeSeconds}.{a.AtimeNanoseconds:D9}");
        Check("content (SHA-256)", e.Content, a.Content);
        Check("sparse extents", e.Extents, a.Extents);
        Check("symlink target (hex)", e.LinkTarget, a.LinkTarget);
        Check("device", e.Rdev, a.Rdev);
        foreach (var name in e.Xattrs.Keys.Union(a.Xattrs.Keys).Order(StringComparer.Ordinal))
            Check($"xattr {name}", e.Xattrs.GetValueOrDefault(name, "(none)"), a.Xattrs.GetValueOrDefault(name, "(none)"));
    }

    private static string Octal(uint bits) => "0" + Convert.ToString(bits, 8);

    private static string Show<T>(T value) => value switch
    {
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        null => "(null)",
        _ => value.ToString() ?? "",
    };
}
