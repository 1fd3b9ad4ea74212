namespace Vellum.Fifo;

/// <summary>Where the drain thread sends completed records.</summary>
public interface IJournalSink
{
    /// <summary>
    /// True when the sink reports durability itself through <see cref="MemoryFifo.Acknowledge"/>;
    /// false when a returned <see cref="Write"/> already counts as acknowledged.
    /// </summary>
    bool AcknowledgesExplicitly { get; }

    /// <summary>
    /// Receives a run of whole, sealed records (CRC filled in). <paramref name="endPosition"/>
    /// is the FIFO position just after them, the value to acknowledge once they are safe.
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
