namespace Vellum.Fifo;

/// <summary>Where the drain thread sends completed records.</summary>
public interface IJournalSink
{
    /// <summary>
    /// True when the sink acknowledges records itself (<see cref="MemoryFifo.Acknowledge"/>)
    /// once they are durable, as the journal's sink does (Recording's StoreSink acknowledges a
    /// run once its segment store synced it): the ring keeps every record until then, the drain
    /// flushes the sink when the ring needs their space, and a sink that lost records it had
    /// not acknowledged gets them again (<see cref="SinkFullException.LostUnacknowledged"/>).
    /// False when a returned <see cref="Write"/> already counts as acknowledged: a sink whose
    /// writes are final, such as the FIFO benchmark's sink that forgets them.
    /// </summary>
    bool AcknowledgesWhenDurable { get; }

    /// <summary>
    /// Receives a run of whole, sealed records (CRC filled in). <paramref name="endPosition"/>
    /// is the FIFO position just after them, the value to acknowledge once they are durable.
    /// Called only from the drain thread; a throw stops the FIFO (see <see cref="MemoryFifo.Failure"/>),
    /// except a <see cref="SinkFullException"/>, which pauses it until the run goes through.
    /// </summary>
    void Write(ReadOnlySpan<byte> records, ulong endPosition);

    /// <summary>
    /// Makes every record written so far durable. Called from the drain thread when somebody
    /// asked for it (<see cref="MemoryFifo.RequestFlush"/>), after the records asked for were
    /// written; a throw stops the FIFO as for <see cref="Write"/>. A sink whose writes are
    /// durable when they return has nothing to do.
    /// </summary>
    void Flush()
    {
    }
}
