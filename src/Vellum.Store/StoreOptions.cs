using Vellum.Journal.Format;

namespace Vellum.Store;

public sealed record StoreOptions
{
    /// <summary>A segment is sealed once an append would take it past this size.</summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Zeros written ahead of the newest segment's records when commits are small, so that
    /// their fdatasync overwrites blocks the file already has and commits no metadata (see
    /// SegmentStore.Runway.cs). Zero turns it off.
    /// </summary>
    public int RunwaySize { get; init; } = 2 * 1024 * 1024;

    /// <summary>The index keeps a BEGIN record at least this far after the previous one kept.</summary>
    public int IndexSpacing { get; init; } = 64 * 1024;

    /// <summary>
    /// The journal header of a new store (written as each segment's sync point). Needed only
    /// to create one; an existing store keeps its own, and a different journal id is refused.
    /// </summary>
    public JournalHeader? Header { get; init; }

    /// <summary>
    /// Whether opening ends the transactions a crash left open with ABORTED records (the
    /// default). A writer that can finish them itself, such as a journaled mount replaying
    /// its write-ahead ring, opens with false: they stay open, listed in
    /// <see cref="RecoveryReport.UnfinishedTransactions"/>, and their next records are accepted.
    /// </summary>
    public bool AbortUnfinished { get; init; } = true;

    /// <summary>
    /// Makes the store a byte-for-byte replica of another: the first record of that store
    /// (its sync point at position 0), written as this one's first record when it is created
    /// and compared with it when it is opened. A replica takes its records through
    /// <see cref="SegmentStore.AppendReplicated"/> only, seals and starts segments where the
    /// replicated store did, never on its own, and leaves open transactions open (the rest
    /// of them is still to come), so positions mean the same bytes on both sides.
    /// </summary>
    public byte[]? ReplicaOf { get; init; }

    /// <summary>
    /// Durable bytes leave the page cache as the store grows (at each writeback step, see
    /// SegmentStore.Writeback.cs): for a store written once and read rarely, such as a replica
    /// that no mirror follows, so that gigabytes streamed through it do not take as much
    /// memory, and its writes keep reusing pages just freed. Readers still read everything,
    /// from the disk.
    /// </summary>
    public bool DropBehind { get; init; }

    internal bool IsReplica => ReplicaOf is not null;
}
