using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

using Vellum.Testing;

namespace Vellum.Journal.Tests;

/// <summary>Torn tails, bit flips and garbage: the scanner stops at the damage and never returns anything wrong.</summary>
public class DamageTests
{
    [Fact]
    public void Truncation_at_every_offset_reports_a_torn_tail_and_keeps_the_transactions_ended_before_it()
    {
        var journal = SmallJournal(seed: 21, targetLength: 30_000);
        var bytes = journal.ToArray();
        var full = JournalScanner.ReadAll(bytes);
        Assert.Null(full.Error);
        var starts = journal.RecordOffsets.ToHashSet();

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var result = JournalScanner.ReadAll(bytes.AsSpan(0, cut));
            var record = journal.RecordOffsets.Last(offset => offset <= cut);
            if (cut > 0 && starts.Contains(cut))
            {
                Assert.True(result.Error is null, $"cut at record boundary {cut}: {result.Error}");
            }
            else
            {
                Assert.True(result.Error is { Kind: JournalErrorKind.TornTail } && result.Error.Offset == record,
                    $"cut at {cut}: expected a torn tail at {record}, got {result.Error}");
            }
            EntryAssert.Equal([.. full.Entries.Where(entry => entry.Offset < record || (entry.Offset < cut && starts.Contains(cut)))], result.Entries);
        }
    }

    [Fact]
    public void Truncation_reports_the_transactions_still_open_before_the_torn_record_as_incomplete()
    {
        var rng = new Random(22);
        var journal = new TestJournal();
        var payload = TestJournal.Encode(rng, RandomOperations.Many(rng, 1, false, 100));
        journal.AddRecord(0x0100 | StreamId.Begin, 1, payload.AsSpan(0, 20));
        var torn = journal.AddRecord(0x0100 | StreamId.End, 1, payload.AsSpan(20));

        var result = JournalScanner.ReadAll(journal.ToArray().AsSpan(0, (int)torn + 20));

        Assert.Equal(JournalErrorKind.TornTail, result.Error?.Kind);
        Assert.Equal(torn, result.Error!.Offset);
        Assert.Equal([1UL], result.IncompleteTransactions);
    }

    [Fact]
    public void Every_single_bit_flip_is_reported_at_the_flipped_record_and_nothing_after_it_is_returned()
    {
        var journal = SmallJournal(seed: 23, targetLength: 3_000);
        var bytes = journal.ToArray();
        var full = JournalScanner.ReadAll(bytes);
        Assert.Null(full.Error);
        var lastRecord = journal.RecordOffsets[^1];

        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            var record = journal.RecordOffsets.Last(offset => offset <= bit / 8);

            var result = JournalScanner.ReadAll(flipped);

            var kind = record == lastRecord ? JournalErrorKind.TornTail : JournalErrorKind.Corrupt;
            Assert.True(result.Error is not null && result.Error.Kind == kind && result.Error.Offset == record,
                $"bit {bit} (record at {record}): expected {kind} at {record}, got {result.Error}");
            EntryAssert.Equal([.. full.Entries.Where(entry => entry.Offset < record)], result.Entries);
        }
    }

    [Fact]
    public void Random_garbage_of_any_length_is_an_error_and_never_an_exception()
    {
        var rng = new Random(24);
        var syncPoint = new TestJournal().ToArray();
        for (var i = 0; i < 3000; i++)
        {
            var garbage = new byte[i < 1000 ? i : rng.Next(200_000)];
            rng.NextBytes(garbage);
            if (i % 3 == 0 && garbage.Length > 0)
                garbage = [.. syncPoint, .. garbage];
            if (i % 5 == 0 && garbage.Length > 2)
                garbage[0] = 0x56;
            if (i % 5 == 0 && garbage.Length > 2)
                garbage[1] = 0x4A;

            var result = JournalScanner.ReadAll(garbage);

            Assert.NotNull(result.Error);
        }
    }

    [Fact]
    public void A_valid_record_after_a_damaged_one_makes_it_corruption()
    {
        var journal = SmallJournal(seed: 25, targetLength: 2_000);
        var bytes = journal.ToArray();
        var damaged = journal.RecordOffsets[2];
        bytes[damaged + 16] ^= 0xFF;

        var result = JournalScanner.ReadAll(bytes);

        Assert.Equal(new JournalError(JournalErrorKind.Corrupt, damaged, result.Error!.Expected, result.Error.Found), result.Error);
        Assert.Contains("CRC32C", result.Error.Expected);
        Assert.StartsWith($"corrupt journal at byte {damaged}: expected CRC32C 0x", result.Error.Message);
    }

    [Fact]
    public void Damage_in_the_last_record_is_a_torn_tail()
    {
        var journal = SmallJournal(seed: 26, targetLength: 2_000);
        var bytes = journal.ToArray();
        var last = journal.RecordOffsets[^1];
        bytes[^12] ^= 0x01;

        var result = JournalScanner.ReadAll(bytes);

        Assert.Equal(JournalErrorKind.TornTail, result.Error?.Kind);
        Assert.Equal(last, result.Error!.Offset);
        Assert.Equal("end magic 0x764A", result.Error.Expected);
        Assert.Equal("0x764B", result.Error.Found);
        Assert.StartsWith($"torn tail at byte {last}: expected end magic 0x764A, found 0x764B", result.Error.Message);
    }

    [Fact]
    public void Damage_followed_only_by_zeroed_preallocated_space_is_a_torn_tail()
    {
        var journal = SmallJournal(seed: 27, targetLength: 2_000);
        var bytes = journal.ToArray();
        var last = journal.RecordOffsets[^1];
        bytes = [.. bytes.AsSpan(0, (int)last + 20), .. new byte[100_000]];

        var result = JournalScanner.ReadAll(bytes);

        Assert.Equal(JournalErrorKind.TornTail, result.Error?.Kind);
        Assert.Equal(last, result.Error!.Offset);
    }

    [Fact]
    public void A_record_cut_short_with_a_valid_record_inside_its_declared_extent_has_a_damaged_size_and_is_corruption()
    {
        var journal = SmallJournal(seed: 28, targetLength: 2_000);
        var bytes = journal.ToArray();
        var damaged = (int)journal.RecordOffsets[1];
        BitConverter.TryWriteBytes(bytes.AsSpan(damaged + 4), 1_000_000u);

        var result = JournalScanner.ReadAll(bytes);

        Assert.Equal(JournalErrorKind.Corrupt, result.Error?.Kind);
        Assert.Equal(damaged, result.Error!.Offset);
        Assert.Contains("a record of 1000000 bytes", result.Error.Expected);
        Assert.Contains($"a valid record at byte {journal.RecordOffsets[2]}", result.Error.Found);
    }

    [Fact]
    public void Input_ending_inside_a_record_header_is_a_torn_tail()
    {
        var bytes = new TestJournal().ToArray();
        var result = JournalScanner.ReadAll([.. bytes, 0x56, 0x4A, 0x00]);

        Assert.Equal(new JournalError(JournalErrorKind.TornTail, bytes.Length, "a 16-byte record header", "3 bytes before the end of input"), result.Error);
        Assert.Single(result.Entries);
    }

    [Fact]
    public void An_empty_input_is_a_torn_tail_before_the_sync_point()
    {
        var result = JournalScanner.ReadAll([]);

        Assert.Equal(JournalErrorKind.TornTail, result.Error?.Kind);
        Assert.Equal(0, result.Error!.Offset);
        Assert.Contains("sync point", result.Error.Expected);
        Assert.Null(result.Header);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(16_777_217u)]
    [InlineData(27u)]
    [InlineData(0u)]
    public void A_record_size_outside_the_limits_is_refused_before_reading_on(uint size)
    {
        var journal = new TestJournal();
        var bytes = journal.ToArray();
        var header = new byte[32];
        new RecordHeader(JournalFormat.BeginMagic, 0x0100 | StreamId.Begin, size, 1).Format(header);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = JournalScanner.ReadAll([.. bytes, .. header]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(new JournalError(JournalErrorKind.TornTail, bytes.Length, "a record size from 28 to 16777216", $"{size}"), result.Error);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_maximum_record_size_in_a_tiny_input_does_not_allocate_the_maximum()
    {
        var bytes = new TestJournal().ToArray();
        var header = new byte[64];
        new RecordHeader(JournalFormat.BeginMagic, 0x0100 | StreamId.Begin, JournalFormat.MaxRecordSize, 1).Format(header);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = JournalScanner.ReadAll([.. bytes, .. header]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(new JournalError(JournalErrorKind.TornTail, bytes.Length, "16777216 bytes of record", "64 bytes before the end of input"), result.Error);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void The_look_ahead_gives_up_as_corruption_on_input_crafted_with_a_near_valid_record_in_every_slot()
    {
        var syncPoint = new TestJournal().ToArray();
        var crafted = new byte[40 * 1024 * 1024];
        for (var at = 0; at < crafted.Length; at += 16)
            new RecordHeader(JournalFormat.BeginMagic, 0x0100, JournalFormat.MaxRecordSize, 1).Format(crafted.AsSpan(at));

        var result = JournalScanner.ReadAll([.. syncPoint, .. crafted]);

        Assert.Equal(new JournalError(JournalErrorKind.Corrupt, syncPoint.Length, "end magic 0x764A", "0x0000"), result.Error);
    }

    internal static TestJournal SmallJournal(int seed, int targetLength)
    {
        var rng = new Random(seed);
        var journal = new TestJournal(reversible: true);
        while (journal.Length < targetLength)
        {
            var plans = Enumerable.Range(0, 4)
                .Select(_ => new PlannedTransaction(RandomOperations.Many(rng, 1 + rng.Next(2), true, 300), rng.Next(6) == 0))
                .ToList();
            journal.AddTransactions(rng, plans, controlChance: 0.2);
        }
        return journal;
    }
}
