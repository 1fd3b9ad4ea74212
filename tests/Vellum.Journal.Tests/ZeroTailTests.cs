using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>
/// Zeros after the last record (a segment's preallocated runway) end the input cleanly; zeros
/// followed by anything else are damage as before, so a runway can never hide records.
/// </summary>
public class ZeroTailTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(2 * 1024 * 1024)]
    public void Zeros_after_the_last_record_end_the_input_cleanly(int zeros)
    {
        var journal = DamageTests.SmallJournal(seed: 41, targetLength: 20_000);
        var records = journal.ToArray();
        var expected = JournalScanner.ReadAll(records);

        var (entries, scanner) = Scan([.. records, .. new byte[zeros]]);

        Assert.Null(scanner.Error);
        Assert.Equal(records.Length, scanner.ZeroTailOffset);
        EntryAssert.Equal(expected.Entries, entries);
    }

    [Fact]
    public void Input_without_zeros_after_its_records_has_no_zero_tail()
    {
        var records = DamageTests.SmallJournal(seed: 42, targetLength: 5_000).ToArray();

        var (_, scanner) = Scan(records);

        Assert.Null(scanner.Error);
        Assert.Null(scanner.ZeroTailOffset);
    }

    [Fact]
    public void Zeros_then_other_bytes_are_a_torn_tail_at_the_zeros()
    {
        var records = DamageTests.SmallJournal(seed: 43, targetLength: 5_000).ToArray();
        var tail = new byte[64 * 1024];
        tail[40_000] = 0x5A;

        var (_, scanner) = Scan([.. records, .. tail]);

        Assert.Equal(JournalErrorKind.TornTail, scanner.Error?.Kind);
        Assert.Equal(records.Length, scanner.Error!.Offset);
        Assert.Null(scanner.ZeroTailOffset);
    }

    [Fact]
    public void Zeros_then_a_valid_record_are_corruption_at_the_zeros()
    {
        var journal = DamageTests.SmallJournal(seed: 44, targetLength: 5_000);
        var bytes = journal.ToArray();
        var blanked = journal.RecordOffsets[^3];
        var blankedEnd = journal.RecordOffsets[^2];
        Array.Clear(bytes, (int)blanked, (int)(blankedEnd - blanked));

        var (_, scanner) = Scan(bytes);

        Assert.Equal(JournalErrorKind.Corrupt, scanner.Error?.Kind);
        Assert.Equal(blanked, scanner.Error!.Offset);
        Assert.Null(scanner.ZeroTailOffset);
    }

    private static (List<JournalEntry> Entries, JournalScanner Scanner) Scan(byte[] input)
    {
        var scanner = new JournalScanner(new MemoryStream(input));
        var entries = new List<JournalEntry>();
        while (scanner.TryRead(out var entry))
            entries.Add(entry);
        return (entries, scanner);
    }
}
