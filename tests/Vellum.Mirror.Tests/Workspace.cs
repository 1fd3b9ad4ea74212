namespace Vellum.Mirror.Tests;

/// <summary>
/// A temporary directory holding a source tree, its journal's store, the replica and a
/// sentinel directory beside the replica that no journal may reach; deleted afterwards.
/// </summary>
internal sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("vellum-mirror-").FullName;
        Source = Directory.CreateDirectory(Path.Combine(Root, "source")).FullName;
        // These journals never record their root's attributes, which leaves a replica's root
        // 0700 (docs/mirror.md): the source's is the same.
        File.SetUnixFileMode(Source, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Store = Path.Combine(Root, "store");
        Replica = Path.Combine(Root, "replica");
        Sentinel = Directory.CreateDirectory(Path.Combine(Root, "sentinel")).FullName;
        File.WriteAllText(Path.Combine(Sentinel, "keep"), "untouched");
    }

    public string Root { get; }

    public string Source { get; }

    public string Store { get; }

    public string Replica { get; }

    public string Sentinel { get; }

    /// <summary>Root mtimes differ: the source root is a fresh directory nothing journaled touches before its first change.</summary>
    public static Testing.TreeComparisonOptions Options { get; } = new() { IgnoreRootMtime = true };

    /// <summary>The sentinel holds only its one file, unchanged, and nothing else appeared beside the replica.</summary>
    public void AssertNothingEscaped()
    {
        Assert.Equal([Path.Combine(Sentinel, "keep")], Directory.GetFileSystemEntries(Sentinel));
        Assert.Equal("untouched", File.ReadAllText(Path.Combine(Sentinel, "keep")));
        Assert.Equal(["replica", "sentinel", "source", "store"], Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public void Dispose() => Testing.TreeRemoval.Delete(Root);
}
