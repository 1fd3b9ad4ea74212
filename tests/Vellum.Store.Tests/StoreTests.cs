using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Testing;

namespace Vellum.Store.Tests;

public sealed class StoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-store-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Transactions_come_back_in_order_across_many_segments()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096, indexSpacing: 512));
        for (ulong id = 1; id <= 500; id++)
            store.Commit(Txn.Single(id, (int)(id % 300)));

        Assert.True(store.SegmentCount > 20, $"{store.SegmentCount} segments");
        var (entries, error, incomplete) = Txn.ReadAll(store);
        Assert.Null(error);
        Assert.Empty(incomplete);
        Assert.Equal([.. Enumerable.Range(1, 500).Select(i => (ulong)i)], Txn.Committed(entries));
        foreach (var transaction in entries.OfType<TransactionEntry>())
            Txn.AssertIntact(transaction);
        Assert.Equal(store.SegmentCount, entries.OfType<SyncPointEntry>().Count());
        Assert.Equal(store.SegmentCount - 1, entries.OfType<CheckpointRecordEntry>().Count());
    }

    [Fact]
    public void Every_segment_file_reads_alone_with_the_plain_scanner()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            for (ulong id = 1; id <= 100; id += 2)
            {
                var big = Txn.Records(id, 3000, pieces: 3);
                store.Append(big[0]);
                store.Append(Txn.Single(id + 1, 50, Txn.Stream + 1));
                store.Append(big[1]);
                store.Commit(big[2]);
            }
        }
        var seen = new List<ulong>();
        foreach (var file in Directory.GetFiles(_directory).Order(StringComparer.Ordinal))
        {
            var result = JournalScanner.ReadAll(File.ReadAllBytes(file));
            Assert.Null(result.Error);
            seen.AddRange(Txn.Committed(result.Entries));
        }
        // A transaction spanning a segment boundary is whole only where it ends; the rest of its records are skipped.
        Assert.Subset(Enumerable.Range(1, 100).Select(i => (ulong)i).ToHashSet(), seen.ToHashSet());
        Assert.True(seen.Count >= 90, $"{seen.Count} transactions read whole from single segments");
    }

    [Fact]
    public void A_cursor_from_any_transaction_id_starts_exactly_there()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 8192, indexSpacing: 1024));
        for (ulong id = 1; id <= 300; id++)
            store.Commit(Txn.Single(id, 100));

        foreach (var from in new ulong[] { 1, 2, 57, 150, 299, 300 })
        {
            var (entries, error, _) = Txn.ReadAll(store, from);
            Assert.Null(error);
            Assert.Equal([.. Enumerable.Range((int)from, 300 - (int)from + 1).Select(i => (ulong)i)], Txn.Committed(entries));
        }
        Assert.Empty(Txn.Committed(Txn.ReadAll(store, 301).Entries));
    }

    [Fact]
    public void A_cursor_seeks_through_the_index_instead_of_reading_from_the_start()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 1 << 20, indexSpacing: 4096));
        for (ulong id = 1; id <= 2000; id++)
            store.Append(Txn.Single(id, 1000));

        var (position, _) = store.Locate(1900);
        Assert.True(position > store.WrittenPosition - 200_000, $"cursor for 1900 starts at {position} of {store.WrittenPosition}");
    }

    [Fact]
    public void Reopening_rebuilds_the_index_and_appends_continue()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096, indexSpacing: 512)))
        {
            for (ulong id = 1; id <= 200; id++)
                store.Commit(Txn.Single(id, 120));
        }
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096, indexSpacing: 512)))
        {
            Assert.True(store.Recovery.IsClean, store.Recovery.ToString());
            Assert.Equal(200ul, store.LastTransactionId);
            Assert.Equal([.. Enumerable.Range(120, 81).Select(i => (ulong)i)], Txn.Committed(Txn.ReadAll(store, 120).Entries));
            store.Commit(Txn.Single(201));
        }
        using var reopened = SegmentStore.OpenReadOnly(_directory);
        Assert.Equal(201, Txn.Committed(Txn.ReadAll(reopened).Entries).Count);
    }

    [Fact]
    public void A_transaction_open_across_a_seal_and_a_crash_is_ended_as_aborted()
    {
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            var big = Txn.Records(1, 20_000, pieces: 4);
            store.Append(big[0]);
            store.Append(big[1]);
            store.Commit(Txn.Single(2, 5000, Txn.Stream + 1));
            Assert.True(store.SegmentCount > 1);
        }
        using (var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096)))
        {
            Assert.Equal([1ul], store.Recovery.UnfinishedTransactions.Select(t => t.TransactionId));
            Assert.True(store.Recovery.UnfinishedEnded);
            Assert.Contains("ended unfinished transaction(s) 1 as aborted", store.Recovery.ToString());
            var (entries, error, incomplete) = Txn.ReadAll(store);
            Assert.Null(error);
            Assert.Empty(incomplete);
            Assert.Equal([2ul], Txn.Committed(entries));
            Assert.Contains(entries, e => e is AbortedTransactionEntry { TransactionId: 1 });
            store.Commit(Txn.Single(3));
        }
    }

    [Fact]
    public async Task A_following_cursor_sees_appends_made_after_it_started()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096));
        store.Commit(Txn.Single(1));
        using var cancel = new CancellationTokenSource();
        using var cursor = store.OpenCursor(1, follow: true, cancel.Token);
        var reader = Task.Run(() =>
        {
            var ids = new List<ulong>();
            while (ids.Count < 100 && cursor.TryRead(out var entry))
            {
                if (entry is TransactionEntry transaction)
                    ids.Add(transaction.TransactionId);
            }
            return ids;
        });
        for (ulong id = 2; id <= 100; id++)
            store.Append(Txn.Single(id, 300));

        Assert.Equal([.. Enumerable.Range(1, 100).Select(i => (ulong)i)], await reader);
    }

    [Fact]
    public void Bad_records_are_refused_and_nothing_is_written()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options());
        store.Commit(Txn.Single(5));
        var written = store.WrittenPosition;

        var corrupt = Txn.Single(6);
        corrupt[20] ^= 1;
        Assert.Contains("CRC32C", Assert.Throws<RecordsRejectedException>(() => store.Append(corrupt)).Message);
        Assert.Contains("above 5", Assert.Throws<RecordsRejectedException>(() => store.Append(Txn.Single(5))).Message);
        var torn = Txn.Single(7).AsSpan(0, 40).ToArray();
        Assert.Throws<RecordsRejectedException>(() => store.Append(torn));
        var orphan = Txn.Records(8, 1000, pieces: 2)[1];
        Assert.Contains("BEGIN", Assert.Throws<RecordsRejectedException>(() => store.Append(orphan)).Message);

        Assert.Equal(written, store.WrittenPosition);
        Assert.Equal(written, SegmentBytes.RecordsLength(Directory.GetFiles(_directory).Single()));
        store.Commit(Txn.Single(6));
    }

    [Fact]
    public void Retention_deletes_only_whole_sealed_segments_below_the_watermark()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096));
        var positions = new List<long>();
        for (ulong id = 1; id <= 200; id++)
            positions.Add(store.Commit(Txn.Single(id, 200)));
        var watermark = positions[99];
        var segments = store.SegmentCount;

        var deleted = store.DeleteBelow(watermark);

        Assert.True(deleted > 0);
        Assert.Equal(segments - deleted, store.SegmentCount);
        Assert.True(store.FirstPosition <= watermark);
        Assert.Equal([.. Enumerable.Range(100, 101).Select(i => (ulong)i)], Txn.Committed(Txn.ReadAll(store, 100).Entries));
        Assert.Equal(0, store.DeleteBelow(store.FirstPosition));
        store.Dispose();
        using var reopened = SegmentStore.Open(_directory, Txn.Options(segmentSize: 4096));
        Assert.True(reopened.Recovery.IsClean);
        Assert.Equal(200ul, reopened.LastTransactionId);
    }

    [Fact]
    public void A_store_of_another_journal_is_refused()
    {
        SegmentStore.Open(_directory, Txn.Options()).Dispose();
        var other = Txn.Options() with { Header = JournalHeader.Create(Guid.NewGuid(), 1, "h", "/") };
        Assert.Contains("holds journal", Assert.Throws<InvalidOperationException>(() => SegmentStore.Open(_directory, other)).Message);
    }
}
