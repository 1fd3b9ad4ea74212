using Vellum.Journal.Format;

namespace Vellum.Fifo.Tests;

/// <summary>Splits what a sink received into records, checking framing and CRC as any reader would.</summary>
internal static class SinkRecords
{
    public static List<(RecordHeader Header, byte[] Payload)> Parse(ReadOnlySpan<byte> bytes)
    {
        var records = new List<(RecordHeader, byte[])>();
        var at = 0;
        while (at < bytes.Length)
        {
            var header = RecordHeader.Parse(bytes[at..]);
            Assert.Equal(JournalFormat.BeginMagic, header.Magic);
            var size = (int)header.RecordSize;
            Assert.InRange(size, JournalFormat.MinRecordSize, JournalFormat.MaxRecordSize);
            var trailer = RecordTrailer.Parse(bytes[(at + RecordTrailer.OffsetIn(size))..]);
            Assert.Equal(JournalFormat.EndMagic, trailer.Magic);
            Assert.Equal(header.RecordSize, trailer.RecordSize);
            Assert.Equal(Crc32C.Compute(bytes.Slice(at, size - JournalFormat.TrailerSize)), trailer.Crc);
            records.Add((header, bytes.Slice(at + JournalFormat.HeaderSize, size - JournalFormat.MinRecordSize).ToArray()));
            at += JournalFormat.AlignedRecordSize(size);
        }
        return records;
    }
}
