using System.Buffers.Binary;
using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>Decodes the single-record control messages (stream ids 0x0000, 0x0002-0x0006).</summary>
internal static class ControlRecords
{
    private const ushort BeginEnd = StreamId.Begin | StreamId.End;

    /// <param name="expectedTransactionId">
    /// The most recent BEGIN id that the record must repeat; null where it cannot be known
    /// (the first sync point, which establishes it).
    /// </param>
    public static bool TryDecode(in RecordFrame record, ulong? expectedTransactionId, out JournalEntry? entry, out JournalError? error)
    {
        entry = null;
        error = null;
        var header = record.Header;
        var name = Name(header.Id);
        if (header.Controls != BeginEnd)
            return Fail(record, out error, $"control bits BEGIN|END (0x{BeginEnd:X4}) on the {name} record", $"0x{header.Controls:X4}");
        // The ack's id is the highest one acknowledged, from the other direction of the stream.
        if (header.Id != StreamId.Ack && expectedTransactionId is { } expected && header.TransactionId != expected)
            return Fail(record, out error, $"transaction id {expected} (the most recent BEGIN) on the {name} record", $"{header.TransactionId}");
        var payload = record.Payload;
        if (FixedPayloadSize(header.Id) is { } size && payload.Length != size)
            return Fail(record, out error, $"{name} payload of {size} bytes", $"{payload.Length} bytes");
        switch (header.Id)
        {
            case StreamId.SyncPoint:
                if (!JournalHeader.TryParse(payload, out var journalHeader, out var problem))
                    return Fail(record, out error, "a journal header this reader can read", problem!);
                if (!journalHeader!.WallClock.IsValid)
                    return Fail(record, out error, "wall-clock nanoseconds below 1000000000 in the journal header", $"{journalHeader.WallClock.Nanoseconds}");
                entry = new SyncPointEntry(record.Offset, journalHeader);
                break;
            case StreamId.Discontinuity:
                entry = new DiscontinuityEntry(record.Offset, U64(payload, 0), U64(payload, 8));
                break;
            case StreamId.Annotation:
                entry = new AnnotationEntry(record.Offset, Encoding.UTF8.GetString(payload));
                break;
            case StreamId.Checkpoint:
                if (!SegmentCheckpoint.TryParse(payload, out var checkpoint, out var checkpointProblem))
                    return Fail(record, out error, "a checkpoint this reader can read", checkpointProblem!);
                entry = new CheckpointRecordEntry(record.Offset, header.TransactionId, checkpoint!);
                break;
            case StreamId.Ack:
                entry = new AckEntry(record.Offset, header.TransactionId, U64(payload, 0), U64(payload, 8), U64(payload, 16));
                break;
            default:
                entry = new RestartEntry(record.Offset, U64(payload, 0));
                break;
        }
        return true;
    }

    private static int? FixedPayloadSize(ushort id) => id switch
    {
        StreamId.Discontinuity => 16,
        StreamId.Ack => 24,
        StreamId.Restart => 8,
        _ => null,
    };

    private static string Name(ushort id) => id switch
    {
        StreamId.SyncPoint => "sync point",
        StreamId.Discontinuity => "discontinuity",
        StreamId.Annotation => "annotation",
        StreamId.Ack => "ack",
        StreamId.Checkpoint => "checkpoint",
        _ => "restart",
    };

    private static ulong U64(ReadOnlySpan<byte> payload, int at) => BinaryPrimitives.ReadUInt64LittleEndian(payload[at..]);

    private static bool Fail(in RecordFrame record, out JournalError? error, string expected, string found)
    {
        error = JournalError.Corrupt(record.Offset, expected, found);
        return false;
    }
}
