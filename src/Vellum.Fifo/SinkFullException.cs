namespace Vellum.Fifo;

/// <summary>
/// Thrown by a sink that has no room for records now (its disk is full) and has kept none
/// of them. Unlike any other throw it does not stop the FIFO: the records stay in the ring,
/// the drain offers them again, and meanwhile the FIFO refuses new transactions and fails
/// waits for records the sink does not have, both with this exception (see
/// <see cref="MemoryFifo.Full"/>).
/// </summary>
public sealed class SinkFullException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The sink lost records it had taken but not acknowledged (a disk that filled up while
    /// syncing them): the drain sends everything after the acknowledged position again.
    /// Without it, only the run being written was refused.
    /// </summary>
    public bool LostUnacknowledged { get; init; }
}
