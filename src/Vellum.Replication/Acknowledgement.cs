using System.Buffers.Binary;
using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Replication;

/// <summary>
/// What a target holds of one journal, sent as an ack record (stream 0x0004): received and
/// durable are store positions (the same bytes on both sides); applied is the last
/// transaction id its mirror applied (0 without one); the record's transaction id is the
/// highest transaction whose END record is durable. From protocol version 3 on it also
/// carries the target's <see cref="Report"/> (its mirror, its disk); before, that is null.
/// </summary>
public readonly record struct Acknowledgement(ulong TransactionId, long Received, long Durable, ulong Applied)
{
    /// <summary>The payload of protocol version 2: received, durable, applied.</summary>
    public const int PayloadSize = 24;

    /// <summary>The payload of protocol version 3 before the report's reason: version 2's, then flags (u32), reason length (u16), reserved (u16).</summary>
    public const int ReportPayloadSize = PayloadSize + 8;

    /// <summary>Bytes of a version 2 ack record on the wire.</summary>
    public static readonly int RecordSize = RecordCodec.AlignedSizeFor(PayloadSize);

    /// <summary>Bytes of the largest ack record: version 3's, with the longest reason.</summary>
    public static readonly int MaxRecordSize = RecordCodec.AlignedSizeFor(ReportPayloadSize + TargetReport.MaxProblemSize);

    /// <summary>The target's state, sent from protocol version 3 on; null in an acknowledgement of version 2.</summary>
    public TargetReport? Report { get; init; }

    /// <summary>Formats the ack record into <paramref name="record"/> (at least <see cref="MaxRecordSize"/> bytes); returns its length.</summary>
    public int Format(Span<byte> record)
    {
        if (Report is not { } report)
        {
            Span<byte> payload = stackalloc byte[PayloadSize];
            WritePositions(payload);
            RecordCodec.WriteControl(record, StreamId.Ack, TransactionId, payload);
            return RecordSize;
        }
        var problem = report.ProblemBytes();
        var withReport = new byte[ReportPayloadSize + problem.Length];
        WritePositions(withReport);
        BinaryPrimitives.WriteUInt32LittleEndian(withReport.AsSpan(PayloadSize), report.Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(withReport.AsSpan(PayloadSize + 4), (ushort)problem.Length);
        problem.CopyTo(withReport.AsSpan(ReportPayloadSize));
        RecordCodec.WriteControl(record, StreamId.Ack, TransactionId, withReport);
        return RecordCodec.AlignedSizeFor(withReport.Length);
    }

    private void WritePositions(Span<byte> payload)
    {
        BinaryPrimitives.WriteInt64LittleEndian(payload, Received);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], Durable);
        BinaryPrimitives.WriteUInt64LittleEndian(payload[16..], Applied);
    }

    /// <summary>Parses one ack record, of either version, every field checked; the problem says what was wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out Acknowledgement ack, out string? problem)
    {
        ack = default;
        var frame = RecordFrame.Read(record);
        var header = frame.Header;
        var payloadSize = (long)header.RecordSize - JournalFormat.MinRecordSize;
        RecordProblem? check = frame.Status switch
        {
            FrameStatus.Whole when payloadSize != PayloadSize && (payloadSize < ReportPayloadSize || payloadSize > ReportPayloadSize + TargetReport.MaxProblemSize) =>
                new RecordProblem($"an ack record of {JournalFormat.MinRecordSize + PayloadSize} bytes, or {JournalFormat.MinRecordSize + ReportPayloadSize} to {JournalFormat.MinRecordSize + ReportPayloadSize + TargetReport.MaxProblemSize} with the target's state", $"{header.RecordSize} bytes"),
            FrameStatus.Whole when header.StreamField != (StreamId.Ack | StreamId.Begin | StreamId.End) =>
                new RecordProblem("an ack record (stream 0x0004, BEGIN|END)", $"stream field 0x{header.StreamField:X4}"),
            FrameStatus.Whole => null,
            FrameStatus.Incomplete => new RecordProblem($"an ack record of at least {RecordSize} bytes", $"{record.Length} bytes"),
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
        if (payload.Length == PayloadSize)
            return true;
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[PayloadSize..]);
        var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[(PayloadSize + 4)..]);
        var reserved = BinaryPrimitives.ReadUInt16LittleEndian(payload[(PayloadSize + 6)..]);
        if (reserved != 0 || ReportPayloadSize + length != payload.Length)
        {
            problem = $"expected a state of {payload.Length - ReportPayloadSize} reason bytes and reserved 0, found {length} and {reserved}";
            return false;
        }
        if (TargetReport.FromWire(flags, Encoding.UTF8.GetString(payload[ReportPayloadSize..]), out var wrong) is not { } report)
        {
            problem = $"the target's state is not one it can be in: {wrong}";
            return false;
        }
        ack = ack with { Report = report };
        return true;
    }
}
