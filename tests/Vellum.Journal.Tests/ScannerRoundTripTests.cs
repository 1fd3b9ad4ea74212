using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

using Vellum.Testing;

namespace Vellum.Journal.Tests;

public class ScannerRoundTripTests
{
    public static TheoryData<int, bool> Seeds()
    {
        var data = new TheoryData<int, bool>();
        for (var seed = 1; seed <= 12; seed++)
            data.Add(seed, seed % 2 == 0);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Interleaved_random_transactions_read_back_as_the_operations_written_in_order_of_END(int seed, bool reversible)
    {
        var journal = TestJournal.Random(seed, transactions: 60, maxData: seed % 4 == 0 ? 3 * 1024 * 1024 : 20_000, reversible: reversible);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Empty(result.IncompleteTransactions);
        Assert.Equal(journal.Header, result.Header);
        EntryAssert.Equal(journal.Expected, result.Entries);
        Assert.Contains(result.Entries, entry => entry is AbortedTransactionEntry);
    }

    [Theory]
    [InlineData(NestedSizes.Exact)]
    [InlineData(NestedSizes.Unknown)]
    public void Every_operation_kind_reads_back_with_exact_and_with_unknown_nested_sizes(NestedSizes sizes)
    {
        var rng = new Random((int)sizes + 100);
        var journal = new TestJournal(reversible: true);
        var plans = RandomOperations.Kinds
            .SelectMany(kind => Enumerable.Range(0, 8).Select(_ =>
            {
                var operation = RandomOperations.Next(rng, reversible: true, maxData: 70_000);
                operation.Kind = kind;
                return new PlannedTransaction([operation]);
            }))
            .ToList();
        journal.AddTransactions(rng, plans, sizes: sizes);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        EntryAssert.Equal(journal.Expected, result.Entries);
        Assert.Equal(RandomOperations.Kinds.Order(), result.Entries.OfType<TransactionEntry>().Select(t => t.Operations[0].Kind).Distinct().Order());
    }

    [Fact]
    public void Reading_through_a_trickling_non_seekable_stream_gives_what_reading_from_memory_gives()
    {
        for (var seed = 1; seed <= 6; seed++)
        {
            var bytes = TestJournal.Random(seed, transactions: 30, maxData: 200_000).ToArray();
            var expected = JournalScanner.ReadAll(bytes);

            using var scanner = new JournalScanner(new TrickleStream(bytes, seed, maxPiece: seed * 50));
            var entries = new List<JournalEntry>();
            while (scanner.TryRead(out var entry))
                entries.Add(entry);

            Assert.Null(scanner.Error);
            EntryAssert.Equal(expected.Entries, entries);
        }
    }

    [Fact]
    public void A_DATA_leaf_larger_than_the_largest_record_is_reassembled_from_many_records()
    {
        var rng = new Random(5);
        var data = new byte[40 * 1024 * 1024 + 3];
        rng.NextBytes(data);
        var operation = RandomOperations.Next(rng, reversible: false, maxData: 0);
        operation.Kind = SubRecordType.Write;
        operation.Redo = new OperationState { Offset = 4096, Data = data };
        var journal = new TestJournal();
        var payload = TestJournal.Encode(rng, [operation], NestedSizes.Unknown);
        var pieces = new[] { JournalFormat.MaxPayloadSize, 5, JournalFormat.MaxPayloadSize, 12345 };
        var at = 0;
        for (var i = 0; at < payload.Length; i++)
        {
            var size = Math.Min(pieces[i % pieces.Length], payload.Length - at);
            var field = 0x0100 | (at == 0 ? StreamId.Begin : 0) | (at + size == payload.Length ? StreamId.End : 0);
            journal.AddRecord(field, 1, payload.AsSpan(at, size));
            at += size;
        }

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        var transaction = Assert.IsType<TransactionEntry>(result.Entries[^1]);
        Assert.True(transaction.Operations[0].Redo!.Data!.Value.Span.SequenceEqual(data));
    }

    [Fact]
    public void Transactions_left_open_at_a_clean_end_are_reported_incomplete_and_not_returned()
    {
        var rng = new Random(6);
        var journal = new TestJournal(lastBegun: 10);
        var first = TestJournal.Encode(rng, RandomOperations.Many(rng, 2, false, 100));
        var second = TestJournal.Encode(rng, RandomOperations.Many(rng, 1, false, 100));
        journal.AddRecord(0x0100 | StreamId.Begin, 11, first.AsSpan(0, 10));
        journal.AddRecord(0x0200 | StreamId.Begin | StreamId.End, 12, second);
        journal.AddRecord(0x0300 | StreamId.Begin, 13, []);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal([11UL, 13UL], result.IncompleteTransactions);
        Assert.Equal(12UL, Assert.IsType<TransactionEntry>(result.Entries[^1]).TransactionId);
    }

    [Fact]
    public void Control_records_read_back_as_their_entries()
    {
        var journal = new TestJournal(lastBegun: 7);
        var discontinuity = new byte[16];
        BitConverter.TryWriteBytes(discontinuity, 7UL);
        BitConverter.TryWriteBytes(discontinuity.AsSpan(8), 20UL);
        var discontinuityAt = journal.AddControl(StreamId.Discontinuity, discontinuity);
        var ack = new byte[24];
        BitConverter.TryWriteBytes(ack, 100UL);
        BitConverter.TryWriteBytes(ack.AsSpan(8), 90UL);
        BitConverter.TryWriteBytes(ack.AsSpan(16), 80UL);
        var ackAt = journal.AddRecord(StreamId.Ack | StreamId.Begin | StreamId.End, 55, ack);
        var restartAt = journal.AddControl(StreamId.Restart, BitConverter.GetBytes(3UL));
        journal.AddAnnotation("héllo");
        journal.AddPad(new Random(1), 100);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal(
            [
                new SyncPointEntry(0, journal.Header),
                new DiscontinuityEntry(discontinuityAt, 7, 20),
                new AckEntry(ackAt, 55, 100, 90, 80),
                new RestartEntry(restartAt, 3),
                .. journal.Expected.OfType<AnnotationEntry>(),
            ],
            result.Entries);
    }

    [Fact]
    public void After_a_restart_transaction_ids_may_repeat_from_the_restart_point_and_open_ones_are_dropped()
    {
        var rng = new Random(7);
        var journal = new TestJournal();
        var payload = TestJournal.Encode(rng, RandomOperations.Many(rng, 1, false, 100));
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 5, payload);
        journal.AddRecord(0x0101 | StreamId.Begin, 6, payload.AsSpan(0, 8));
        journal.LastBegun = 6;
        journal.AddControl(StreamId.Restart, BitConverter.GetBytes(4UL));
        journal.AddRecord(0x0101 | StreamId.Begin | StreamId.End, 4, payload);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Empty(result.IncompleteTransactions);
        Assert.Equal([5UL, 4UL], result.Entries.OfType<TransactionEntry>().Select(t => t.TransactionId));
    }

    [Fact]
    public void An_aborted_transaction_may_stop_inside_a_sub_record()
    {
        var rng = new Random(8);
        var journal = new TestJournal();
        var payload = TestJournal.Encode(rng, RandomOperations.Many(rng, 1, false, 100));
        journal.AddRecord(0x0100 | StreamId.Begin, 1, payload.AsSpan(0, 13));
        var end = journal.AddRecord(0x0100 | StreamId.End | StreamId.Aborted, 1, payload.AsSpan(13, 6));

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal(new AbortedTransactionEntry(end, 1, 0x0100), result.Entries[^1]);
    }

    [Fact]
    public void An_empty_nested_record_holding_one_LAST_pad_reads_as_an_empty_state()
    {
        var payload = Raw.Operation(SubRecordType.Checkpoint, Raw.Group(SubRecordType.Redo, Raw.Leaf(SubRecordType.Pad, [])));
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, payload);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        var operation = Assert.Single(Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations);
        Assert.NotNull(operation.Redo);
        Assert.Null(operation.Redo.Data);
        Assert.Equal(new JournalTimestamp(1_700_000_000, 5), operation.Time);
        Assert.Equal(1000u, operation.Credentials.Uid);
    }

    [Fact]
    public void A_committed_transaction_with_an_empty_payload_has_no_operations()
    {
        var journal = new TestJournal();
        var at = journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, []);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Empty(Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations);
        Assert.Equal(at, result.Entries[^1].Offset);
    }

    [Fact]
    public void Unknown_size_groups_closed_by_a_LAST_pad_after_their_final_child_read_back_split_at_any_byte()
    {
        // What a streaming writer emits when a group's real final child already left in an earlier record.
        var lastPad = Raw.WithLast(Raw.Leaf(SubRecordType.Pad, []));
        var redo = Raw.Nested((ushort)SubRecordType.Redo | SubRecordFlags.Nested, 0,
            Raw.U64(SubRecordType.Offset, 7), Raw.Leaf(SubRecordType.Data, "abc"u8), lastPad);
        var payload = Raw.Nested((ushort)SubRecordType.Write | SubRecordFlags.Nested, 0, Raw.Time(), Raw.Cred(), redo, lastPad);

        for (var split = 0; split <= payload.Length; split++)
        {
            var journal = new TestJournal();
            journal.AddRecord(0x0100 | StreamId.Begin, 1, payload.AsSpan(0, split));
            journal.AddRecord(0x0100 | StreamId.End, 1, payload.AsSpan(split));

            var result = JournalScanner.ReadAll(journal.ToArray());

            Assert.True(result.Error is null, $"split at {split}: {result.Error}");
            var redoState = Assert.Single(Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations).Redo!;
            Assert.Equal(7UL, redoState.Offset);
            Assert.Equal("abc"u8.ToArray(), redoState.Data!.Value.ToArray());
        }
    }

    [Fact]
    public void Pads_between_children_are_skipped()
    {
        var pad = Raw.Leaf(SubRecordType.Pad, []);
        var payload = Raw.Group(SubRecordType.Mkdir, pad, Raw.Time(), pad, pad, Raw.Cred(), Raw.Leaf(SubRecordType.Path, "a"u8), pad);
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, payload);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal("a"u8.ToArray(), Assert.Single(Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations).Path);
    }

    [Fact]
    public void The_example_of_the_format_document_reads_as_mkdir_a_by_uid_1000()
    {
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Mkdir,
            Time = new JournalTimestamp(1_700_000_000, 0),
            Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 1 },
            Path = "a"u8.ToArray(),
            Redo = new OperationState { Attributes = new NodeAttributes { Mode = 0x41ED } },
        };
        var buffer = new SubRecordBuffer();
        OperationEncoder.Encode(buffer, operation);
        var payload = buffer.ToArray();
        Assert.Equal(new byte[] { 0x02, 0x81, 0, 0 }, payload[..4]);
        Assert.Equal(new byte[] { 0x01, 0x03, 0, 0, 0x14, 0, 0, 0 }, payload[8..16]);
        var journal = new TestJournal();
        journal.AddRecord(0x0100 | StreamId.Begin | StreamId.End, 1, payload);
        Assert.Equal(new byte[] { 0x00, 0xC1 }, journal.ToArray().AsSpan((int)journal.RecordOffsets[1] + 2, 2).ToArray());

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Equal(operation, Assert.Single(Assert.IsType<TransactionEntry>(result.Entries[^1]).Operations), OperationComparer.Instance);
    }
}
