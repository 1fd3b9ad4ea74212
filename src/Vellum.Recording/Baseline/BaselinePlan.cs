namespace Vellum.Recording.Baseline;

/// <summary>
/// What the journal does not describe yet, found by <see cref="BaselineCheck"/> when a mount
/// starts: directories whose names must be listed, nodes whose content must be recorded, and
/// the directories with either somewhere beneath them. Nodes are known by inode: paths move
/// while the mount serves. Guarded by <see cref="BaselineCoverage"/>.
/// </summary>
internal sealed class BaselinePlan
{
    /// <summary>Directories whose names the journal does not hold as they are.</summary>
    public HashSet<ulong> Listings { get; } = [];

    /// <summary>For each directory of <see cref="Listings"/>: the names the journal holds in it now (none for a directory new at its place).</summary>
    public Dictionary<ulong, Dictionary<string, ManifestEntry>> RecordedNames { get; } = [];

    /// <summary>Nodes whose content (a regular file's bytes) or attributes the journal does not hold as they are.</summary>
    public HashSet<ulong> Contents { get; } = [];

    /// <summary>Directories with a listing or a content to record in them or beneath them.</summary>
    public HashSet<ulong> Dirty { get; } = [];

    /// <summary>Listings and contents to record.</summary>
    public long Objects { get; set; }

    /// <summary>Bytes of the regular files whose content is to be recorded.</summary>
    public long Bytes { get; set; }

    /// <summary>Names the check looked at.</summary>
    public long Checked { get; set; }

    /// <summary>Differences with a complete manifest: changes made while no mount ran.</summary>
    public FoundChanges Found { get; } = new();

    public bool Empty => Listings.Count == 0 && Contents.Count == 0;
}

/// <summary>Changes made to the backing directory while no mount ran, as the check at mount found them.</summary>
internal sealed class FoundChanges
{
    public const int PathsKept = 8;

    public long Created { get; set; }

    public long Deleted { get; set; }

    public long Modified { get; set; }

    /// <summary>The first few, each as "+ path" (created), "- path" (deleted) or "~ path" (modified).</summary>
    public List<string> FirstPaths { get; } = [];

    public long Total => Created + Deleted + Modified;

    public void Note(char kind, string path)
    {
        switch (kind)
        {
            case '+':
                Created++;
                break;
            case '-':
                Deleted++;
                break;
            default:
                Modified++;
                break;
        }
        if (FirstPaths.Count < PathsKept)
            FirstPaths.Add($"{kind} {(path.Length == 0 ? "." : path)}");
    }
}
