using Vellum.Journal.Format;

using Vellum.Testing;

namespace Vellum.Journal.Tests;

public class FormatRoundTripTests
{
    [Fact]
    public void Record_headers_parse_back_to_the_values_formatted()
    {
        var rng = new Random(10);
        var bytes = new byte[JournalFormat.HeaderSize];
        for (var i = 0; i < 1000; i++)
        {
            var header = new RecordHeader((ushort)rng.Next(65536), (ushort)rng.Next(65536), (uint)rng.NextInt64(1L << 32), (ulong)rng.NextInt64() * 3);
            header.Format(bytes);
            Assert.Equal(header, RecordHeader.Parse(bytes));
            Assert.Equal(header.StreamField & 0x1FFF, header.Id);
            Assert.Equal((header.StreamField & 0x8000) != 0, header.IsBegin);
            Assert.Equal((header.StreamField & 0x4000) != 0, header.IsEnd);
            Assert.Equal((header.StreamField & 0x2000) != 0, header.IsAborted);
        }
    }

    [Fact]
    public void Record_header_bytes_are_little_endian_as_documented()
    {
        var bytes = new byte[JournalFormat.HeaderSize];
        new RecordHeader(JournalFormat.BeginMagic, 0xC100, 0x01020304, 0x1112131415161718).Format(bytes);
        Assert.Equal(new byte[] { 0x56, 0x4A, 0x00, 0xC1, 0x04, 0x03, 0x02, 0x01, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11 }, bytes);
    }

    [Fact]
    public void Record_trailers_parse_back_to_the_values_formatted()
    {
        var rng = new Random(11);
        var bytes = new byte[JournalFormat.TrailerSize];
        for (var i = 0; i < 1000; i++)
        {
            var trailer = new RecordTrailer((ushort)rng.Next(65536), (ushort)rng.Next(65536), (uint)rng.NextInt64(1L << 32), (uint)rng.NextInt64(1L << 32));
            trailer.Format(bytes);
            Assert.Equal(trailer, RecordTrailer.Parse(bytes));
        }
        Assert.Equal(20, RecordTrailer.OffsetIn(28));
        Assert.Equal(36, RecordTrailer.OffsetIn(33));
    }

    [Fact]
    public void Sub_record_headers_parse_back_to_the_values_formatted()
    {
        var rng = new Random(12);
        var bytes = new byte[JournalFormat.SubRecordHeaderSize];
        for (var i = 0; i < 1000; i++)
        {
            var header = new SubRecordHeader((ushort)rng.Next(65536), (ushort)rng.Next(65536), (uint)rng.NextInt64(1L << 32));
            header.Format(bytes);
            Assert.Equal(header, SubRecordHeader.Parse(bytes));
            Assert.Equal((SubRecordType)(header.TypeField & 0x3FFF), header.Type);
            Assert.Equal((header.TypeField & 0x8000) != 0, header.IsNested);
            Assert.Equal((header.TypeField & 0x4000) != 0, header.IsLast);
        }
    }

    [Fact]
    public void Timestamps_parse_back_to_the_values_formatted()
    {
        var rng = new Random(13);
        var bytes = new byte[JournalTimestamp.Size];
        for (var i = 0; i < 1000; i++)
        {
            var time = new JournalTimestamp(rng.NextInt64(long.MinValue, long.MaxValue), (uint)rng.NextInt64(1L << 32));
            time.Format(bytes);
            Assert.Equal(time, JournalTimestamp.Parse(bytes));
            Assert.Equal(time.Nanoseconds < 1_000_000_000, time.IsValid);
        }
    }

    [Fact]
    public void Journal_headers_parse_back_to_the_values_formatted()
    {
        var rng = new Random(14);
        for (var i = 0; i < 300; i++)
        {
            var header = new JournalHeader(JournalFormat.Version, JournalFormat.MinCompatibleVersion,
                rng.Next(2) == 0 ? JournalFlags.None : JournalFlags.Reversible, Guid.NewGuid(), (ulong)rng.NextInt64(),
                RandomOperations.Timestamp(rng), RandomText(rng), RandomText(rng));
            var bytes = new byte[header.EncodedSize];
            Assert.Equal(bytes.Length, header.Format(bytes));
            Assert.True(JournalHeader.TryParse(bytes, out var parsed, out var problem), problem);
            Assert.Equal(header, parsed);
        }
    }

    [Fact]
    public void A_journal_header_needing_a_newer_reader_is_refused_with_a_clear_message()
    {
        var header = JournalHeader.Create(Guid.NewGuid(), 1, "host", "/") with { Version = 5, MinCompatibleVersion = 4 };
        var bytes = new byte[header.EncodedSize];
        header.Format(bytes);
        Assert.False(JournalHeader.TryParse(bytes, out var parsed, out var problem));
        Assert.Null(parsed);
        Assert.Contains("needs reader version 4", problem);
        Assert.Contains("this reader is version 3", problem);
    }

    [Fact]
    public void A_journal_header_with_trailing_bytes_or_reserved_bits_is_refused()
    {
        var header = JournalHeader.Create(Guid.NewGuid(), 1, "host", "/");
        var bytes = new byte[header.EncodedSize + 1];
        header.Format(bytes);
        Assert.False(JournalHeader.TryParse(bytes, out _, out var problem));
        Assert.Contains("after the mount root", problem);
        bytes = bytes[..^1];
        bytes[45] = 1;
        Assert.False(JournalHeader.TryParse(bytes, out _, out problem));
        Assert.Contains("reserved", problem);
    }

    private static string RandomText(Random rng) =>
        new([.. Enumerable.Range(0, RandomOperations.Size(rng, 1000)).Select(_ => (char)rng.Next(0x20, 0x2FF))]);
}
