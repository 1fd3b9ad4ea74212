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

    /// <summary>The id the first transaction gets.</summary>
    public ulong FirstTransactionId { get; init; } = 1;

    /// <summary>
    /// Keep the ring in this file's shared mapping instead of process memory, so records
    /// survive a killed process (<see cref="RingLeftover"/> reads them back). Its ring size
    /// must equal <see cref="Size"/>; the FIFO does not own it.
    /// </summary>
    public RingFile? RingFile { get; init; }
}
