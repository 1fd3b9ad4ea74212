using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>A record that passed every framing check; the payload is valid until the next record is read.</summary>
internal readonly ref struct StreamRecord(long offset, RecordHeader header, ReadOnlySpan<byte> payload)
{
    public long Offset { get; } = offset;

    public RecordHeader Header { get; } = header;

    public ReadOnlySpan<byte> Payload { get; } = payload;

    public long PayloadOffset => Offset + JournalFormat.HeaderSize;
}
