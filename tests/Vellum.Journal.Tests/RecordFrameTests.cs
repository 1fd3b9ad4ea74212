using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>The public framing API: one record framed in place, a torn one, a damaged one refused with where.</summary>
public class RecordFrameTests
{
    private const ushort Stream = StreamId.FirstTransaction | StreamId.Begin | StreamId.End;
    private const long At = 4096;

    [Fact]
    public void A_whole_record_is_framed_in_place_with_its_header_payload_and_extent()
    {
        var input = new byte[256];
        var length = RecordCodec.Write(input, Stream, 7, "payload"u8);

        var frame = RecordFrame.Read(input, At);

        Assert.Equal(FrameStatus.Whole, frame.Status);
        Assert.Equal(length, frame.Length);
        Assert.Equal(7UL, frame.Header.TransactionId);
        Assert.Equal("payload"u8.ToArray(), frame.Payload.ToArray());
        Assert.Equal(At, frame.Offset);
        Assert.Equal(At + JournalFormat.HeaderSize, frame.PayloadOffset);
        Assert.True(frame.Bytes.Overlaps(input, out var start) && start == 0 && frame.Bytes.Length == length, "the frame is a slice of the input, not a copy");
    }

    [Fact]
    public void A_torn_record_asks_for_a_header_then_for_the_extent_its_header_declares()
    {
        var record = new byte[RecordCodec.AlignedSizeFor(100)];
        RecordCodec.Write(record, Stream, 7, new byte[100]);

        var headerCut = RecordFrame.Read(record.AsSpan(0, JournalFormat.HeaderSize - 1), At);
        var bodyCut = RecordFrame.Read(record.AsSpan(0, record.Length - 1), At);

        Assert.Equal(FrameStatus.Incomplete, headerCut.Status);
        Assert.Equal(JournalFormat.HeaderSize, headerCut.Length);
        Assert.Equal(FrameStatus.Incomplete, bodyCut.Status);
        Assert.Equal(record.Length, bodyCut.Length);
        Assert.Equal(7UL, bodyCut.Header.TransactionId);
        Assert.True(bodyCut.Bytes.IsEmpty);
    }

    [Fact]
    public void A_bad_crc_is_refused_saying_where_and_both_values_unless_only_the_header_is_checked()
    {
        var record = new byte[RecordCodec.AlignedSizeFor(20)];
        RecordCodec.Write(record, Stream, 7, new byte[20]);
        record[JournalFormat.HeaderSize + 3] ^= 0x10;

        var frame = RecordFrame.Read(record, At);
        var headerOnly = RecordFrame.Read(record, At, checkBody: false);

        Assert.Equal(FrameStatus.Damaged, frame.Status);
        Assert.Equal(At, frame.Offset);
        Assert.Equal(record.Length, frame.Length);
        Assert.Matches("^CRC32C 0x[0-9A-F]{8} over header and payload$", frame.Problem!.Value.Expected);
        Assert.Matches("^0x[0-9A-F]{8} in the trailer$", frame.Problem!.Value.Found);
        Assert.True(frame.Bytes.IsEmpty);
        Assert.Equal(FrameStatus.Whole, headerOnly.Status);
    }

    [Fact]
    public void A_padding_byte_out_of_place_is_placed_by_the_offset_given()
    {
        var record = new byte[RecordCodec.AlignedSizeFor(1)];
        RecordCodec.Write(record, Stream, 7, [1]);
        record[JournalFormat.HeaderSize + 1] = 0x80;

        var frame = RecordFrame.Read(record, At);

        Assert.Equal(FrameStatus.Damaged, frame.Status);
        Assert.Equal($"0x80 at byte {At + JournalFormat.HeaderSize + 1}", frame.Problem!.Value.Found);
    }

    [Fact]
    public void A_damaged_header_is_refused_before_its_size_is_trusted()
    {
        var record = new byte[64];
        RecordCodec.Write(record, Stream, 7, [1, 2, 3]);
        record.AsSpan(4, 4).Fill(0xFF);

        var frame = RecordFrame.Read(record, At);

        Assert.Equal(FrameStatus.Damaged, frame.Status);
        Assert.Equal(0, frame.Length);
        Assert.StartsWith("a record size from", frame.Problem!.Value.Expected);
    }

    [Fact]
    public void The_record_reader_hands_out_each_record_of_a_stream_then_calls_a_cut_last_record_a_torn_tail_at_its_start()
    {
        var bytes = new byte[1024];
        var first = RecordCodec.Write(bytes, Stream, 1, "one"u8);
        var second = RecordCodec.Write(bytes.AsSpan(first), Stream, 2, "two"u8);
        var third = RecordCodec.Write(bytes.AsSpan(first + second), Stream, 3, new byte[200]);
        using var input = new MemoryStream(bytes, 0, first + second + third - 8);
        using var reader = new RecordReader(input, At);

        Assert.Equal(RecordStatus.Record, reader.Read(out var one, out _));
        Assert.Equal("one"u8.ToArray(), one.Payload.ToArray());
        Assert.Equal(At, one.Offset);
        Assert.Equal(RecordStatus.Record, reader.Read(out var two, out _));
        Assert.Equal(2UL, two.Header.TransactionId);
        Assert.Equal(At + first, two.Offset);
        Assert.Equal(RecordStatus.Damaged, reader.Read(out _, out var damage));
        Assert.Equal(JournalErrorKind.TornTail, damage!.Kind);
        Assert.Equal(At + first + second, damage.Offset);
    }
}
