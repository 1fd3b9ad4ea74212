using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// What the store knows of one segment file: where it starts in the store, how many bytes
/// of it hold records, its sparse index, and whether it is sealed (its checkpoint written;
/// never written again). Guarded by the store's append lock.
/// </summary>
internal sealed class Segment(long start, string path)
{
    public long Start { get; } = start;

    public string Path { get; } = path;

    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Bytes of records in the file (appends land here).</summary>
    public long Length { get; set; }

    public long End => Start + Length;

    /// <summary>
    /// The file offset up to which zeros were written ahead of the records (the runway,
    /// see SegmentStore.Runway.cs); at most <see cref="Length"/> when there is none.
    /// </summary>
    public long RunwayEnd { get; set; }

    /// <summary>The file offset up to which writeback was started (see SegmentStore.Writeback.cs).</summary>
    public long WritebackStarted { get; set; }

    /// <summary>The file offset below which durable bytes were dropped from the page cache (<see cref="StoreOptions.DropBehind"/>).</summary>
    public long DroppedBelow { get; set; }

    /// <summary>Bytes of the sync point the segment starts with: a segment no longer than this holds no records yet.</summary>
    public long SyncPointLength { get; set; }

    public bool Sealed { get; set; }

    /// <summary>Open for writing while active, and after sealing until a sync covered it.</summary>
    public SegmentFile? Writer { get; set; }

    public List<CheckpointEntry> Index { get; init; } = [];

    /// <summary>The last transaction begun before the segment's first byte (its sync point's transaction id).</summary>
    public ulong BegunBefore { get; init; }

    /// <summary>Transactions open at the segment's first byte (the previous checkpoint's list).</summary>
    public IReadOnlyList<OpenTransaction> OpenAtStart { get; init; } = [];

    public bool Contains(long position) => position >= Start && position < End;
}
