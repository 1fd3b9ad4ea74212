using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>Each record-level and transaction-level rule of the format, broken once.</summary>
public class RecordRuleTests
{
    private const int BeginEnd = StreamId.Begin | StreamId.End;

    [Fact]
    public void A_wrong_begin_magic_is_reported_with_the_magic_expected()
    {
        var (bytes, damaged) = JournalWithDamagedRecord(record => record[0] = 0x57);

        var error = CorruptAt(bytes, damaged);

        Assert.Equal("begin magic 0x4A56", error.Expected);
        Assert.Equal("0x4A57", error.Found);
    }

    [Fact]
    public void Non_zero_padding_between_payload_and_trailer_is_reported()
    {
        var (bytes, damaged) = JournalWithDamagedRecord(record => record[16 + 1] = 0x80);

        var error = CorruptAt(bytes, damaged);

        Assert.Equal("zero padding between payload and trailer", error.Expected);
        Assert.Equal($"0x80 at byte {damaged + 17}", error.Found);
    }

    [Fact]
    public void A_non_zero_reserved_trailer_field_is_reported()
    {
        var (bytes, damaged) = JournalWithDamagedRecord(record => record[^10] = 1);

        Assert.Equal("reserved trailer field 0", CorruptAt(bytes, damaged).Expected);
    }

    [Fact]
    public void A_trailer_size_differing_from_the_header_size_is_reported()
    {
        var (bytes, damaged) = JournalWithDamagedRecord(record => record[^4] = 30);

        var error = CorruptAt(bytes, damaged);

        Assert.Equal("trailer record size 29 (as in the header)", error.Expected);
        Assert.Equal("30", error.Found);
    }

    [Fact]
    public void A_wrong_crc_is_reported_with_both_values()
    {
        var (bytes, damaged) = JournalWithDamagedRecord(record => record[8] ^= 4);

        var error = CorruptAt(bytes, damaged);

        Assert.Matches("^CRC32C 0x[0-9A-F]{8} over header and payload$", error.Expected);
        Assert.Matches("^0x[0-9A-F]{8} in the trailer$", error.Found);
    }

    [Fact]
    public void A_journal_must_start_with_a_sync_point()
    {
        var record = new byte[64];
        var size = RecordCodec.WriteControl(record, StreamId.Annotation, 0, "hi"u8);

        var error = CorruptAt(record[..size], 0);

        Assert.Equal("a sync point (stream 0x0000) as the first record", error.Expected);
        Assert.Equal("stream 0x0003", error.Found);
    }

    [Fact]
    public void A_sync_point_needing_a_newer_reader_is_corruption_with_a_clear_message()
    {
        var header = JournalHeader.Create(Guid.NewGuid(), 1, "host", "/") with { Version = 4, MinCompatibleVersion = 4 };

        var error = CorruptAt(RecordCodec.SyncPoint(header), 0);

        Assert.Equal("a journal header this reader can read", error.Expected);
        Assert.Contains("journal needs reader version 4 or later", error.Found);
    }

    [Fact]
    public void A_sync_point_with_invalid_wall_clock_nanoseconds_is_refused()
    {
        var header = JournalHeader.Create(Guid.NewGuid(), 1, "host", "/") with { WallClock = new JournalTimestamp(1, 1_000_000_000) };

        Assert.Contains("wall-clock nanoseconds", CorruptAt(RecordCodec.SyncPoint(header), 0).Expected);
    }

    [Theory]
    [InlineData(StreamId.Begin)]
    [InlineData(StreamId.End)]
    [InlineData(StreamId.Aborted)]
    public void A_pad_record_carries_no_control_bits(int controls)
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(StreamId.Pad | controls, 0, [1, 2, 3]);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("no control bits on a pad record", error.Expected);
        Assert.Equal($"0x{controls:X4}", error.Found);
    }

    [Theory]
    [InlineData(0x0007)]
    [InlineData(0x0080)]
    [InlineData(0x00FF)]
    public void Reserved_stream_ids_are_invalid(int id)
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(id | BeginEnd, 0, []);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("a stream id below 0x0007 or from 0x0100 on", error.Expected);
        Assert.Equal($"reserved stream id 0x{id:X4}", error.Found);
    }

    [Theory]
    [InlineData(StreamId.Annotation, StreamId.Begin)]
    [InlineData(StreamId.Annotation, StreamId.End)]
    [InlineData(StreamId.Annotation, BeginEnd | StreamId.Aborted)]
    [InlineData(StreamId.SyncPoint, StreamId.Begin)]
    [InlineData(StreamId.Restart, 0)]
    public void Control_records_are_single_BEGIN_END_records(int id, int controls)
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(id | controls, 0, new byte[id == StreamId.Restart ? 8 : 0]);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.StartsWith("control bits BEGIN|END (0xC000)", error.Expected);
        Assert.Equal($"0x{controls:X4}", error.Found);
    }

    [Theory]
    [InlineData(StreamId.Discontinuity, 15, "discontinuity payload of 16 bytes")]
    [InlineData(StreamId.Discontinuity, 17, "discontinuity payload of 16 bytes")]
    [InlineData(StreamId.Ack, 23, "ack payload of 24 bytes")]
    [InlineData(StreamId.Restart, 9, "restart payload of 8 bytes")]
    [InlineData(StreamId.Restart, 0, "restart payload of 8 bytes")]
    public void Control_payloads_have_their_documented_sizes(ushort id, int length, string expected)
    {
        var journal = new TestJournal();
        var at = journal.AddControl(id, new byte[length]);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal(expected, error.Expected);
        Assert.Equal($"{length} bytes", error.Found);
    }

    [Fact]
    public void Control_records_repeat_the_id_of_the_most_recent_BEGIN()
    {
        var journal = new TestJournal(lastBegun: 3);
        journal.AddRecord(0x0100 | StreamId.Begin, 9, []);
        var at = journal.AddRecord(StreamId.Annotation | BeginEnd, 3, "x"u8);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("transaction id 9 (the most recent BEGIN) on the annotation record", error.Expected);
        Assert.Equal("3", error.Found);
    }

    [Fact]
    public void A_BEGIN_transaction_id_must_not_be_zero()
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(0x0100 | StreamId.Begin, 0, []);

        Assert.Equal("a non-zero transaction id on a BEGIN record", CorruptAt(journal.ToArray(), at).Expected);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 4)]
    [InlineData(5, 1)]
    public void BEGIN_transaction_ids_strictly_increase(ulong first, ulong second)
    {
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin, first, []);
        var at = journal.AddRecord(0x0200 | StreamId.Begin, second, []);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal($"a transaction id above {first} (the previous BEGIN) on a BEGIN record", error.Expected);
        Assert.Equal($"{second}", error.Found);
    }

    [Fact]
    public void The_first_BEGIN_must_follow_the_id_the_sync_point_carries()
    {
        var journal = new TestJournal(lastBegun: 100);
        var at = journal.AddRecord(0x0100 | StreamId.Begin, 100, []);

        Assert.Equal("a transaction id above 100 (the previous BEGIN) on a BEGIN record", CorruptAt(journal.ToArray(), at).Expected);
    }

    [Fact]
    public void After_a_restart_a_BEGIN_must_be_at_or_after_the_restart_point()
    {
        var journal = new TestJournal(lastBegun: 10);
        journal.AddControl(StreamId.Restart, BitConverter.GetBytes(7UL));
        var at = journal.AddRecord(0x0100 | StreamId.Begin, 6, []);

        Assert.Equal("a transaction id of at least 7 (the restart point) on a BEGIN record", CorruptAt(journal.ToArray(), at).Expected);
    }

    [Fact]
    public void A_BEGIN_on_a_stream_whose_transaction_is_open_is_an_error()
    {
        var journal = new TestJournal();
        var first = journal.AddRecord(0x0100 | StreamId.Begin, 1, []);
        var at = journal.AddRecord(0x0100 | StreamId.Begin, 2, []);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("no open transaction on stream 0x0100 at a BEGIN record", error.Expected);
        Assert.Equal($"transaction 1, begun at byte {first}, still open", error.Found);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(StreamId.End)]
    [InlineData(StreamId.End | StreamId.Aborted)]
    public void A_record_without_BEGIN_on_a_stream_with_no_open_transaction_is_an_error(int controls)
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(0x0100 | controls, 1, []);

        Assert.Equal("a BEGIN record opening a transaction on stream 0x0100", CorruptAt(journal.ToArray(), at).Expected);
    }

    [Fact]
    public void Later_records_of_a_transaction_repeat_its_id()
    {
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin, 1, []);
        journal.AddRecord(0x0101 | StreamId.Begin, 2, []);
        var at = journal.AddRecord(0x0100, 2, []);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("transaction id 1, open on stream 0x0100", error.Expected);
        Assert.Equal("2", error.Found);
    }

    [Theory]
    [InlineData(StreamId.Begin | StreamId.Aborted)]
    [InlineData(StreamId.Aborted)]
    public void ABORTED_is_only_valid_with_END(int controls)
    {
        var journal = new TestJournal();
        if ((controls & StreamId.Begin) == 0)
            journal.AddRecord(0x0100 | StreamId.Begin, 1, []);
        var at = journal.AddRecord(0x0100 | controls, 1, []);

        var error = CorruptAt(journal.ToArray(), at);

        Assert.Equal("ABORTED only together with END", error.Expected);
        Assert.Equal($"stream field 0x{0x0100 | controls:X4}", error.Found);
    }

    /// <summary>A journal whose third record (an annotation with a 1-byte payload) is damaged, with a valid record after it.</summary>
    private static (byte[] Bytes, long Damaged) JournalWithDamagedRecord(Action<Span<byte>> damage)
    {
        var journal = new TestJournal();
        journal.AddAnnotation("first");
        var damaged = journal.AddControl(StreamId.Annotation, "x"u8);
        journal.AddAnnotation("after");
        var bytes = journal.ToArray();
        damage(bytes.AsSpan((int)damaged, 32));
        return (bytes, damaged);
    }

    private static JournalError CorruptAt(byte[] journal, long offset)
    {
        var result = JournalScanner.ReadAll(journal);
        Assert.NotNull(result.Error);
        Assert.Equal(JournalErrorKind.Corrupt, result.Error.Kind);
        Assert.Equal(offset, result.Error.Offset);
        Assert.DoesNotContain(result.Entries, entry => entry.Offset >= offset);
        return result.Error;
    }
}
