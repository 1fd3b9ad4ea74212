using System.Buffers.Binary;
using Vellum.Journal.Format;

namespace Vellum.Replication;

/// <summary>
/// What a target holds of one journal, sent as an ack record (stream 0x0004): received and
/// durable are store positions (the same bytes on both sides); applied is the last
/// transaction id its mirror applied (0 without one); the record's transaction id is the
/// highest transaction whose END record is durable.
/// </summary>
public readonly record struct Acknowledgement(ulong TransactionId, long Received, long Durable, ulong Applied)
{
    public const int PayloadSize = 24;

    /// <summary>Bytes of the ack record on the wire.</summary>
    public static readonly int RecordSize = RecordCodec.AlignedSizeFor(PayloadSize);

    public void Format(Span<byte> record)
    {
        Span<byte> payload = stackalloc byte[PayloadSize];
        BinaryPrimitives.WriteInt64LittleEndian(payload, Received);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], Durable);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[16..], Applied);
        RecordCodec.WriteControl(record, StreamId.Ack, TransactionId, payload);
    }

    /// <summary>Parses one ack record, every field checked; the problem says what was wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out Acknowledgement ack, out string? problem)
    {
        ack = default;
        var frame = RecordFrame.Read(record);
        var header = frame.Header;
        RecordProblem? check = frame.Status switch
        {
            FrameStatus.Whole when header.RecordSize != JournalFormat.MinRecordSize + PayloadSize =>
                new RecordProblem($"an ack record of {JournalFormat.MinRecordSize + PayloadSize} bytes", $"{header.RecordSize} bytes"),
            FrameStatus.Whole when header.StreamField != (StreamId.Ack | StreamId.Begin | StreamId.End) =>
                new RecordProblem("an ack record (stream 0x0004, BEGIN|END)", $"stream field 0x{header.StreamField:X4}"),
            FrameStatus.Whole => null,
            FrameStatus.Incomplete => new RecordProblem($"an ack record of {RecordSize} bytes", $"{record.Length} bytes"),
            _ => frame.Problem,
        };
        if (check is { } p)
        {
            problem = $"expected {p.Expected}, found {p.Found}";
            return false;
        }
        var payload = frame.Payload;
        ack = new Acknowledgement(header.TransactionId, BinaryPrimitives.ReadInt64LittleEndian(payload),
            BinaryPrimitives.ReadInt64LittleEndian(payload[8..]), BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        problem = null;
        return true;
    }
}
