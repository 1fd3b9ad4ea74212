namespace Vellum.Recording;

/// <summary>What looking up a node's journal path found.</summary>
internal enum PathLookup
{
    /// <summary>The path is in the buffer (empty for the backing root itself).</summary>
    Found,

    /// <summary>The node has no name under the backing root (unlinked, or outside it).</summary>
    Nameless,

    /// <summary>The path is longer than the journal can hold (<see cref="Vellum.Journal.Format.JournalLimits.MaxPathLength"/>).</summary>
    TooLong,
}
