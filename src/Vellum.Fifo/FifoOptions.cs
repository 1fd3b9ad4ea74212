namespace Vellum.Fifo;

public sealed record FifoOptions
{
    /// <summary>Ring size in bytes: a power of two of at least 4 KiB.</summary>
    public int Size { get; init; } = 1 << 20;

    /// <summary>
    /// Longest a committed record waits in the ring when nobody asks for it and the ring is
    /// less than half full. The drain is otherwise woken only when it has real work.
    /// </summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How often the drain offers its records again while the sink is full (besides whenever
    /// a writer or a flush wakes it), so the FIFO takes changes again soon after room is made.
    /// </summary>
    public TimeSpan FullRetry { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Bytes a reservation that begins a transaction leaves free for the records of
    /// transactions already open. While the sink is full nothing drains, yet a change that
    /// already took effect must still end its transaction (a journaled mount's RESULT record):
    /// this is where those records go. At most an eighth of <see cref="Size"/>.
    /// </summary>
    public int BeginHeadroom { get; init; }

    /// <summary>The id the first transaction gets.</summary>
    public ulong FirstTransactionId { get; init; } = 1;

    /// <summary>
    /// Keep the ring in this file's shared mapping instead of process memory, so records
    /// survive a killed process (<see cref="RecoveredRing"/> reads them back). Its ring size
    /// must equal <see cref="Size"/>; the FIFO does not own it.
    /// </summary>
    public RingFile? RingFile { get; init; }
}
