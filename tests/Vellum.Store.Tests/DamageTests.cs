using Vellum.Journal.Scanning;

namespace Vellum.Store.Tests;

/// <summary>Torn, damaged and missing segment files, each met with the behaviour the store promises.</summary>
public sealed class DamageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-store-damage-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Segments => [.. Directory.GetFiles(_directory).Order(StringComparer.Ordinal)];

    [Fact]
    public void Truncating_the_last_record_at_every_offset_cuts_exactly_that_record()
    {
        long lastStart;
        long fullLength;
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 8192)))
        {
            for (ulong id = 1; id <= 30; id++)
                store.Commit(Txn.Single(id, 300));
            var last = Txn.Single(31, 700);
            store.Commit(last);
            fullLength = store.WrittenPosition;
            lastStart = fullLength - last.Length;
        }
        var tail = Segments[^1];
        var tailStart = fullLength - new FileInfo(tail).Length;
        var original = File.ReadAllBytes(tail);
        var recordOffset = lastStart - tailStart;

        for (var cut = recordOffset; cut < original.Length; cut++)
        {
            File.WriteAllBytes(tail, original.AsSpan(0, (int)cut).ToArray());
            using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 8192));
            var report = store.Recovery;
            if (cut == recordOffset)
            {
                Assert.True(report.IsClean, report.ToString());
            }
            else
            {
                Assert.Equal(tail, report.File);
                Assert.Equal(recordOffset, report.CutOffset);
                Assert.Equal(cut - recordOffset, report.CutBytes);
                Assert.Equal(cut - recordOffset >= 16 ? [31ul] : [], report.CutTransactions);
            }
            Assert.Equal(recordOffset, new FileInfo(tail).Length);
            Assert.Equal(30ul, store.LastTransactionId);
            var (entries, error, incomplete) = Txn.ReadAll(store);
            Assert.Null(error);
            Assert.Empty(incomplete);
            Assert.Equal([.. Enumerable.Range(1, 30).Select(i => (ulong)i)], Txn.Committed(entries));
            store.Commit(Txn.Single(31, 10));
        }
    }

    [Fact]
    public void A_damaged_record_with_valid_ones_after_it_refuses_read_write_and_is_served_read_only_up_to_it()
    {
        long damagedAt;
        using (var store = SegmentStore.Open(_directory, Txn.Options()))
        {
            for (ulong id = 1; id <= 10; id++)
                store.Commit(Txn.Single(id, 100));
            damagedAt = store.WrittenPosition;
            for (ulong id = 11; id <= 20; id++)
                store.Commit(Txn.Single(id, 100));
        }
        var file = Segments.Single();
        var bytes = File.ReadAllBytes(file);
        bytes[damagedAt + 40] ^= 0x10;
        File.WriteAllBytes(file, bytes);

        var refused = Assert.Throws<StoreDamagedException>(() => SegmentStore.Open(_directory, Txn.Options()));
        Assert.Equal(file, refused.File);
        Assert.Equal(damagedAt, refused.Offset);
        Assert.Contains("CRC32C", refused.Message);
        Assert.Equal(bytes, File.ReadAllBytes(file));

        using var readOnly = SegmentStore.OpenReadOnly(_directory);
        Assert.NotNull(readOnly.Damage);
        var (entries, error, _) = Txn.ReadAll(readOnly);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => (ulong)i)], Txn.Committed(entries));
        Assert.NotNull(error);
        Assert.Equal(damagedAt, error.Offset);
    }

    [Fact]
    public void A_missing_middle_segment_refuses_read_write_and_read_only_serves_what_precedes_it()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            for (ulong id = 1; id <= 100; id++)
                store.Commit(Txn.Single(id, 200));
        }
        var segments = Segments;
        Assert.True(segments.Length >= 4);
        File.Delete(segments[2]);

        var refused = Assert.Throws<StoreDamagedException>(() => SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)));
        Assert.Contains("missing", refused.Message);
        Assert.Equal(segments[3], refused.File);

        using var readOnly = SegmentStore.OpenReadOnly(_directory);
        var committed = Txn.Committed(Txn.ReadAll(readOnly).Entries);
        Assert.NotEmpty(committed);
        Assert.Equal([.. Enumerable.Range(1, committed.Count).Select(i => (ulong)i)], committed);
        Assert.True(committed.Count < 100);
    }

    [Fact]
    public void A_damaged_checkpoint_refuses_read_write()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            for (ulong id = 1; id <= 50; id++)
                store.Commit(Txn.Single(id, 200));
        }
        var sealedSegment = Segments[1];
        var bytes = File.ReadAllBytes(sealedSegment);
        bytes[^20] ^= 0xFF;
        File.WriteAllBytes(sealedSegment, bytes);

        var refused = Assert.Throws<StoreDamagedException>(() => SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)));
        Assert.Equal(sealedSegment, refused.File);
        Assert.Contains("checkpoint", refused.Message);
    }

    [Fact]
    public void Damage_inside_a_sealed_segment_stops_a_reader_at_its_place()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            for (ulong id = 1; id <= 50; id++)
                store.Commit(Txn.Single(id, 200));
        }
        var sealedSegment = Segments[1];
        var bytes = File.ReadAllBytes(sealedSegment);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(sealedSegment, bytes);

        // Opening checks sealed segments by their checkpoints; the bad record shows when read.
        using var store2 = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096));
        var (entries, error, _) = Txn.ReadAll(store2);
        Assert.NotNull(error);
        Assert.Equal(sealedSegment, error.File);
        Assert.InRange(error.Offset, 0, bytes.Length / 2);
        var committed = Txn.Committed(entries);
        Assert.Equal([.. Enumerable.Range(1, committed.Count).Select(i => (ulong)i)], committed);
        foreach (var transaction in entries.OfType<TransactionEntry>())
            Txn.AssertIntact(transaction);
    }
}
