namespace Vellum.Journal.Format;

/// <summary>Lays out whole stream records: header, payload, zero padding, trailer with CRC32C.</summary>
public static class RecordCodec
{
    /// <summary>Bytes the record for a payload of this length occupies in a stream.</summary>
    public static int AlignedSizeFor(int payloadLength) => JournalFormat.AlignedRecordSize(JournalFormat.MinRecordSize + payloadLength);

    /// <summary>Writes a complete record and returns the bytes it occupies (a multiple of 16).</summary>
    public static int Write(Span<byte> destination, ushort streamField, ulong transactionId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > JournalFormat.MaxPayloadSize)
            throw new ArgumentOutOfRangeException(nameof(payload), $"payload of {payload.Length} bytes exceeds the maximum {JournalFormat.MaxPayloadSize}");
        var recordSize = JournalFormat.MinRecordSize + payload.Length;
        var aligned = JournalFormat.AlignedRecordSize(recordSize);
        var record = destination[..aligned];
        new RecordHeader(JournalFormat.BeginMagic, streamField, (uint)recordSize, transactionId).Format(record);
        payload.CopyTo(record[JournalFormat.HeaderSize..]);
        Seal(record, recordSize);
        return aligned;
    }

    /// <summary>
    /// Completes a record whose header (with its final magic) and payload are in place:
    /// zeroes the alignment padding and writes the trailer with the CRC of header and payload.
    /// </summary>
    public static void Seal(Span<byte> record, int recordSize)
    {
        var payloadEnd = recordSize - JournalFormat.TrailerSize;
        var trailerAt = RecordTrailer.OffsetIn(recordSize);
        record[payloadEnd..trailerAt].Clear();
        var crc = Crc32C.Compute(record[..payloadEnd]);
        new RecordTrailer(JournalFormat.EndMagic, 0, crc, (uint)recordSize).Format(record[trailerAt..]);
    }

    /// <summary>Writes a single-record control message (sync point, annotation, ...).</summary>
    public static int WriteControl(Span<byte> destination, ushort streamId, ulong transactionId, ReadOnlySpan<byte> payload) =>
        Write(destination, (ushort)(streamId | StreamId.Begin | StreamId.End), transactionId, payload);

    public static byte[] SyncPoint(JournalHeader header, ulong transactionId = 0)
    {
        var payload = new byte[header.EncodedSize];
        header.Format(payload);
        var record = new byte[AlignedSizeFor(payload.Length)];
        WriteControl(record, StreamId.SyncPoint, transactionId, payload);
        return record;
    }
}
