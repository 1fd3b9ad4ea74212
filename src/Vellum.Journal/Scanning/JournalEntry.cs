using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Journal.Scanning;

/// <summary>One thing read from a journal; <see cref="Offset"/> is the stream offset of the record that completed it.</summary>
public abstract record JournalEntry(long Offset);

public sealed record SyncPointEntry(long Offset, JournalHeader Header) : JournalEntry(Offset);

/// <summary>A committed transaction; its operations are in payload order.</summary>
public sealed record TransactionEntry(long Offset, ulong TransactionId, ushort StreamId, long BeginOffset, IReadOnlyList<JournalOperation> Operations)
    : JournalEntry(Offset);

/// <summary>A transaction whose END record carried ABORTED: nothing of it is to be applied.</summary>
public sealed record AbortedTransactionEntry(long Offset, ulong TransactionId, ushort StreamId) : JournalEntry(Offset);

public sealed record AnnotationEntry(long Offset, string Text) : JournalEntry(Offset);

/// <summary>Transactions after <see cref="LastBefore"/> and before <see cref="FirstAfter"/> are missing from this stream.</summary>
public sealed record DiscontinuityEntry(long Offset, ulong LastBefore, ulong FirstAfter) : JournalEntry(Offset);

public sealed record AckEntry(long Offset, ulong TransactionId, ulong Received, ulong Durable, ulong Applied) : JournalEntry(Offset);

/// <summary>The source resumed: transactions from <see cref="ResumeFrom"/> on may repeat ones already read.</summary>
/// <summary>A sealed segment's checkpoint; <see cref="LastBegun"/> is the last transaction begun before it.</summary>
public sealed record CheckpointRecordEntry(long Offset, ulong LastBegun, SegmentCheckpoint Checkpoint) : JournalEntry(Offset);

public sealed record RestartEntry(long Offset, ulong ResumeFrom) : JournalEntry(Offset);
