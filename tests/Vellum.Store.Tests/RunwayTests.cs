using Vellum.Journal.Scanning;
using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>
/// The runway: zeros written ahead of small commits so that their fdatasync overwrites blocks
/// the file already has. It must never show as data, damage or a difference in what is stored.
/// </summary>
public sealed class RunwayTests : IDisposable
{
    private const int Runway = 256 * 1024;

    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-store-runway-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Segments(string directory) => [.. Directory.GetFiles(directory).Order(StringComparer.Ordinal)];

    private static StoreOptions Options(long segmentSize = 64L * 1024 * 1024) => Txn.Options(segmentSize) with { RunwaySize = Runway };

    [Fact]
    public void Small_commits_land_on_zeros_already_in_the_file()
    {
        using var store = SegmentStore.Open(_directory, Options());
        var first = store.Commit(Txn.Single(1));
        var file = Segments(_directory).Single();
        var size = new FileInfo(file).Length;

        Assert.True(size >= first + Runway / 2, $"{size} bytes in the file after a commit ending at {first}");
        long end = first;
        for (ulong id = 2; id <= 20; id++)
            end = store.Commit(Txn.Single(id));

        Assert.Equal(size, new FileInfo(file).Length);
        Assert.Equal(end, SegmentBytes.RecordsLength(file));
    }

    [Fact]
    public void A_large_commit_appends_without_zeros()
    {
        using var store = SegmentStore.Open(_directory, Options());
        var end = store.Commit(Txn.Single(1, 256 * 1024));

        Assert.Equal(end, new FileInfo(Segments(_directory).Single()).Length);
    }

    [Fact]
    public void Sealed_and_closed_segment_files_end_with_their_last_record()
    {
        long written;
        using (var store = SegmentStore.Open(_directory, Options(segmentSize: 64 * 1024)))
        {
            for (ulong id = 1; id <= 400; id++)
                store.Commit(Txn.Single(id, 300));
            written = store.WrittenPosition;
            var sealedFiles = Segments(_directory)[..^1];
            Assert.True(sealedFiles.Length >= 2);
            Assert.All(sealedFiles, path => Assert.Equal(SegmentBytes.RecordsLength(path), new FileInfo(path).Length));
        }

        var files = Segments(_directory);
        Assert.Equal(SegmentBytes.RecordsLength(files[^1]), new FileInfo(files[^1]).Length);
        using var reopened = SegmentStore.Open(_directory, Options(segmentSize: 64 * 1024));
        Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
        Assert.Equal(written, reopened.WrittenPosition);
        Assert.Equal([.. Enumerable.Range(1, 400).Select(i => (ulong)i)], Txn.Committed(Txn.ReadAll(reopened).Entries));
    }

    [Fact]
    public void A_store_left_with_its_runway_opens_clean_and_cuts_the_zeros()
    {
        var crashed = Directory.CreateTempSubdirectory("vellum-store-runway-crashed-").FullName;
        try
        {
            long written;
            using (var store = SegmentStore.Open(_directory, Options()))
            {
                for (ulong id = 1; id <= 50; id++)
                    store.Commit(Txn.Single(id));
                written = store.WrittenPosition;
                // The files as a killed writer leaves them: records, then the runway's zeros.
                foreach (var path in Segments(_directory))
                    File.Copy(path, Path.Combine(crashed, Path.GetFileName(path)));
            }
            var copy = Segments(crashed).Single();
            Assert.True(new FileInfo(copy).Length > written);

            using var reopened = SegmentStore.Open(crashed, Options());

            Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
            Assert.Equal(written, reopened.WrittenPosition);
            Assert.Equal(written, new FileInfo(copy).Length);
            Assert.Equal([.. Enumerable.Range(1, 50).Select(i => (ulong)i)], Txn.Committed(Txn.ReadAll(reopened).Entries));
            reopened.Commit(Txn.Single(51));
        }
        finally
        {
            Directory.Delete(crashed, recursive: true);
        }
    }

    [Fact]
    public void A_record_torn_inside_the_runway_is_cut_and_reported_apart_from_the_runway_after_it()
    {
        var crashed = Directory.CreateTempSubdirectory("vellum-store-runway-torn-").FullName;
        try
        {
            long written;
            long lastStart;
            using (var store = SegmentStore.Open(_directory, Options()))
            {
                for (ulong id = 1; id <= 10; id++)
                    store.Commit(Txn.Single(id));
                lastStart = store.WrittenPosition;
                store.Commit(Txn.Single(11, 3000));
                written = store.WrittenPosition;
                foreach (var path in Segments(_directory))
                    File.Copy(path, Path.Combine(crashed, Path.GetFileName(path)));
            }
            // A kill in the middle of the last record's write: its first 1,000 bytes reached
            // the file, the rest of the runway is still zeros.
            var copy = Segments(crashed).Single();
            var fileLength = new FileInfo(copy).Length;
            Assert.True(fileLength > written, "no runway after the last record");
            using (var file = new FileStream(copy, FileMode.Open, FileAccess.Write))
            {
                file.Position = lastStart + 1000;
                file.Write(new byte[written - lastStart - 1000]);
            }

            using var reopened = SegmentStore.Open(crashed, Options());

            var report = reopened.Recovery;
            Assert.Equal(lastStart, report.CutOffset);
            Assert.Equal(written - lastStart, report.CutBytes);
            Assert.Equal(fileLength - written, report.ZerosAfterCut);
            Assert.Contains($"cut a torn tail of {report.CutBytes} bytes", report.ToString());
            Assert.Contains($"and the {report.ZerosAfterCut} zero bytes written ahead of it", report.ToString());
            Assert.Equal(lastStart, reopened.WrittenPosition);
            Assert.Equal([.. Enumerable.Range(1, 10).Select(i => (ulong)i)], Txn.Committed(Txn.ReadAll(reopened).Entries));
        }
        finally
        {
            Directory.Delete(crashed, recursive: true);
        }
    }

    [Fact]
    public async Task Read_only_opens_of_a_store_being_written_see_whole_transactions_and_no_damage()
    {
        const ulong Transactions = 4_000;
        using var store = SegmentStore.Open(_directory, Options(segmentSize: 1024 * 1024));
        // Bounded, so that each read below stays small: about 10 MB in ten segments, each
        // started with a runway and cut when sealed.
        var writer = Task.Run(() =>
        {
            for (ulong id = 1; id <= Transactions; id++)
                store.Commit(Txn.Single(id, 100 + (int)(id % 7) * 700));
        });
        var opens = 0;
        while (!writer.IsCompleted)
        {
            var durableBefore = store.DurablePosition;
            using var reader = SegmentStore.OpenReadOnly(_directory);
            Assert.Null(reader.Damage);
            Assert.InRange(reader.WrittenPosition, durableBefore, long.MaxValue);
            var (entries, error, _) = Txn.ReadAll(reader);
            Assert.Null(error);
            var committed = Txn.Committed(entries);
            foreach (var transaction in entries.OfType<TransactionEntry>())
                Txn.AssertIntact(transaction);
            Assert.Equal([.. Enumerable.Range(1, committed.Count).Select(i => (ulong)i)], committed);
            opens++;
        }
        await writer;
        Assert.True(opens >= 10, $"only {opens} read-only opens while the writer ran");
    }
}
