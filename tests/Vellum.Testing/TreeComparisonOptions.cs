namespace Vellum.Testing;

/// <summary>What <see cref="TreeComparison"/> leaves out.</summary>
public sealed record TreeComparisonOptions
{
    /// <summary>Skip the mtime of every directory (the root's included).</summary>
    public bool IgnoreDirectoryMtimes { get; init; }

    /// <summary>Skip the mtime of the two roots only.</summary>
    public bool IgnoreRootMtime { get; init; }

    /// <summary>Xattrs of the roots that are not compared: by default the mirror's own position and the journal's mark on a backing directory.</summary>
    public IReadOnlyCollection<string> IgnoredRootXattrs { get; init; } = ["user.vellum.mirror", "trusted.vellum.journal", "user.vellum.journal"];

    /// <summary>Relative paths left out, with everything under them (e.g. a .git directory whose index holds inode numbers).</summary>
    public Func<string, bool>? Skip { get; init; }

    /// <summary>
    /// When set, an mtime is compared only where the expected tree's is before this instant: one
    /// a program set (touch -d, tar, rsync -a set past times; the clock gives only later ones).
    /// Two trees written at different moments can then be compared, set times included.
    /// </summary>
    public DateTimeOffset? MtimesSetBefore { get; init; }

    /// <summary>
    /// When set, atimes are compared too, where the expected tree's is before this instant: the
    /// atimes a program set and nothing read since (a read moves it to the clock's time, and
    /// is not a change a journal records). Unset, atimes are not compared.
    /// </summary>
    public DateTimeOffset? AtimesSetBefore { get; init; }
}
