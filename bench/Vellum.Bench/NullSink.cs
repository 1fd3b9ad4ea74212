using Vellum.Fifo;

namespace Vellum.Bench;

/// <summary>Takes records and forgets them: measures the FIFO and drain alone.</summary>
public sealed class NullSink : IJournalSink
{
    public bool AcknowledgesWhenDurable => false;

    public long Bytes { get; private set; }

    public void Write(ReadOnlySpan<byte> records, ulong endPosition) => Bytes += records.Length;
}
