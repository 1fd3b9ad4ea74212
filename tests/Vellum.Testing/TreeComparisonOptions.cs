namespace Vellum.Testing;

/// <summary>What <see cref="TreeComparison"/> leaves out.</summary>
public sealed record TreeComparisonOptions
{
    /// <summary>Skip the mtime of every directory (the root's included).</summary>
    public bool IgnoreDirectoryMtimes { get; init; }

    /// <summary>Skip the mtime of the two roots only.</summary>
    public bool IgnoreRootMtime { get; init; }

    /// <summary>Xattrs of the roots that are not compared: by default the mirror's own position.</summary>
    public IReadOnlyCollection<string> IgnoredRootXattrs { get; init; } = ["user.vellum.mirror"];
}
