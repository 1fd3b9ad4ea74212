using Vellum.Journal.Format;

namespace Vellum.Store;

public sealed record StoreOptions
{
    /// <summary>A segment is sealed once an append would take it past this size.</summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>The index keeps a BEGIN record at least this far after the previous one kept.</summary>
    public int IndexSpacing { get; init; } = 64 * 1024;

    /// <summary>
    /// The journal header of a new store (written as each segment's sync point). Needed only
    /// to create one; an existing store keeps its own, and a different journal id is refused.
    /// </summary>
    public JournalHeader? Header { get; init; }
}
