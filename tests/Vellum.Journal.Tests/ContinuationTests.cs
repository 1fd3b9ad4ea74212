using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>
/// Input that starts inside a journal (a segment after the first, a read from the middle of
/// a store): records of transactions begun before it are skipped, later ones are checked.
/// </summary>
public sealed class ContinuationTests
{
    private const ushort BeginEnd = StreamId.Begin | StreamId.End;
    private const ushort Stream = StreamId.FirstTransaction;

    [Fact]
    public void A_sync_point_naming_earlier_transactions_lets_their_remaining_records_be_skipped()
    {
        var journal = new TestJournal(lastBegun: 10);
        journal.AddRecord(Stream, 9, []);
        journal.AddRecord(Stream | StreamId.End, 9, []);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        Assert.Empty(result.Entries.OfType<TransactionEntry>());
    }

    [Fact]
    public void Records_of_a_transaction_above_the_sync_point_still_need_their_BEGIN()
    {
        var journal = new TestJournal(lastBegun: 10);
        var at = journal.AddRecord(Stream | StreamId.End, 11, []);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Equal(at, result.Error!.Offset);
        Assert.Contains("BEGIN", result.Error.Expected);
    }

    [Fact]
    public void Known_open_transactions_are_reported_incomplete_until_their_END()
    {
        var journal = new TestJournal(lastBegun: 10);
        journal.AddRecord(Stream + 1, 7, []);
        var resume = new JournalResume(journal.Header, 10, [new OpenTransaction(7, Stream + 1), new OpenTransaction(8, Stream + 2)]);
        journal.AddRecord(Stream + 2, 8, []);
        journal.AddRecord(Stream + 2 | StreamId.End, 8, []);
        var bytes = journal.ToArray();

        using var scanner = new JournalScanner(new MemoryStream(bytes), resume: resume);
        while (scanner.TryRead(out _))
        {
        }

        Assert.Null(scanner.Error);
        Assert.Equal([new OpenTransaction(7, Stream + 1)], scanner.IncompleteTransactionStreams);
        Assert.Equal(3, scanner.SkippedContinuationRecords);
    }

    [Fact]
    public void A_checkpoint_round_trips_and_rejects_an_unordered_index()
    {
        var checkpoint = new SegmentCheckpoint(4096, 1000, [new(5, 64), new(9, 512)], [new OpenTransaction(8, Stream)]);
        var payload = new byte[checkpoint.EncodedSize];
        checkpoint.Format(payload);

        Assert.True(SegmentCheckpoint.TryParse(payload, out var parsed, out _));
        Assert.Equal(checkpoint.Index, parsed!.Index);
        Assert.Equal(checkpoint.Open, parsed.Open);
        Assert.Equal((4096L, 1000L), (parsed.SegmentStart, parsed.Length));

        var unordered = new SegmentCheckpoint(0, 1000, [new(9, 64), new(5, 512)], []);
        var bad = new byte[unordered.EncodedSize];
        unordered.Format(bad);
        Assert.False(SegmentCheckpoint.TryParse(bad, out _, out var problem));
        Assert.Contains("out of order", problem);
        Assert.False(SegmentCheckpoint.TryParse(payload.AsSpan(0, payload.Length - 1), out _, out _));
    }

    [Fact]
    public void A_checkpoint_record_reads_back_as_an_entry()
    {
        var journal = new TestJournal(lastBegun: 3);
        var checkpoint = new SegmentCheckpoint(0, journal.Length, [], []);
        var payload = new byte[checkpoint.EncodedSize];
        checkpoint.Format(payload);
        journal.AddRecord(StreamId.Checkpoint | BeginEnd, 3, payload);

        var entry = Assert.Single(JournalScanner.ReadAll(journal.ToArray()).Entries.OfType<CheckpointRecordEntry>());

        Assert.Equal(3ul, entry.LastBegun);
        Assert.Equal(checkpoint.Length, entry.Checkpoint.Length);
    }
}
