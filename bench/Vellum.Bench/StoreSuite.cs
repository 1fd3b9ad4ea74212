using System.Diagnostics;
using System.Globalization;
using Vellum.Bench.Store;
using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Bench;

/// <summary>
/// Suite "store": durable commits through SegmentStore (append under the store's lock, group
/// commit with fdatasync) against the physical anchor of the same disk measured in the same
/// run: a loop of write(2) appending to a plain file + fdatasync(2). Small transactions with
/// 1 to 64 concurrent committers (where group commit should take the store well above one
/// commit per fdatasync), and 1 MiB transactions one after another.
/// </summary>
public static class StoreSuite
{
    /// <summary>The raw anchor's write: the size of a small transaction's record.</summary>
    private const int SmallRecordSize = 200;

    /// <summary>Payload making the record 200 bytes (208 in the stream, records being 16-byte aligned).</summary>
    private const int SmallPayload = SmallRecordSize - JournalFormat.MinRecordSize;

    private const int LargePayload = 1 << 20;

    private static readonly int[] CommitterCounts = [1, 4, 16, 64];

    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        // Under /tmp: the filesystem Vellum's stores live on (ext4 here); store and anchors share it.
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-store");
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        // The machine is shared: in trial runs the rate of fdatasync moved by 10x within
        // seconds, with other processes' CPU load (each fdatasync waits for kernel threads
        // and a wake-up). So each store figure takes turns with its anchor in 200 ms slices,
        // both measured for the measuring time, and a full run does this three times and
        // reports medians; ratios are per round, store against the anchor it took turns with.
        var rounds = options.Quick ? 1 : 3;
        var samples = new StoreSamples();
        try
        {
            Directory.CreateDirectory(root);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"directory {root} ({Fuse.MountTable.FsTypeOf(root)}), {Environment.ProcessorCount} CPUs; small transaction: {SmallPayload} payload bytes, record of {SmallRecordSize} ({RecordCodec.AlignedSizeFor(SmallPayload)} in the stream); store and anchor alternate in 200 ms slices, {options.MeasureFor.TotalSeconds:F0} s measured each after {options.WarmUpFor.TotalSeconds:F1} s warm-up each; {rounds} round(s)"));
            for (var round = 1; round <= rounds; round++)
            {
                var directory = Path.Combine(root, $"round-{round}");
                Directory.CreateDirectory(directory);
                foreach (var committers in CommitterCounts)
                    RunCommits(options, samples, round, directory, committers);
                RunLarge(options, samples, round, directory);
                Directory.Delete(directory, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
        Report(report, samples);
        return Task.CompletedTask;
    }

    /// <summary>Small transactions from <paramref name="committers"/> threads, taking turns with write(200 B) + fdatasync.</summary>
    private static void RunCommits(BenchOptions options, StoreSamples samples, int round, string directory, int committers)
    {
        using var store = SegmentStore.Open(Path.Combine(directory, $"store-{committers}"), new StoreOptions { Header = Header() });
        using var pool = new CommitterPool(store, committers, SmallPayload);
        using var raw = RawLoop(Path.Combine(directory, $"raw-small-{committers}"), SmallRecordSize);
        SlicedWorkload.Interleave(options, raw, pool);
        var syncsPerCommit = (double)pool.Syncs / pool.Operations;
        samples.Add("raw_fdatasync_per_s", raw.PerSecond);
        samples.Add($"commit_{committers}_per_s", pool.PerSecond);
        samples.Add($"commit_{committers}_vs_raw", pool.PerSecond / raw.PerSecond);
        samples.Add($"commit_{committers}_syncs_per_commit", syncsPerCommit);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round} {committers} committer(s): {pool.PerSecond:F0} commits/s, {pool.PerSecond / raw.PerSecond:F3} x raw; {pool.Syncs / pool.Seconds:F0} sync rounds/s, {1 / syncsPerCommit:F1} commits per sync round, {(double)pool.Allocated / pool.Operations:F1} B allocated per commit; {pool.Cost.Describe(pool.Operations, pool.Seconds)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round}   its anchor, raw {SmallRecordSize} B write + fdatasync: {raw.PerSecond:F0}/s ({1e3 / raw.PerSecond:F3} ms each); {raw.Cost.Describe(raw.Operations, raw.Seconds)}"));
    }

    /// <summary>1 MiB transactions committed one after another, taking turns with write(1 MiB) + fdatasync.</summary>
    private static void RunLarge(BenchOptions options, StoreSamples samples, int round, string directory)
    {
        using var store = SegmentStore.Open(Path.Combine(directory, "store-large"), new StoreOptions { Header = Header() });
        var record = new TransactionRecord(StreamId.FirstTransaction, LargePayload);
        var next = store.LastTransactionId;
        var sealing = new Stopwatch();
        long syncsBefore = -1;
        using var large = new LoopWorkload(measuring =>
        {
            if (measuring && syncsBefore < 0)
                syncsBefore = store.SyncCount;
            if (measuring)
                sealing.Start();
            var bytes = record.For(++next);
            sealing.Stop();
            store.Commit(bytes);
        });
        using var raw = RawLoop(Path.Combine(directory, "raw-large"), LargePayload);
        SlicedWorkload.Interleave(options, raw, large);
        var largeMb = large.PerSecond * LargePayload / 1e6;
        var rawMb = raw.PerSecond * LargePayload / 1e6;
        samples.Add("large_mb_per_s", largeMb);
        samples.Add("raw_large_mb_per_s", rawMb);
        samples.Add("large_vs_raw", largeMb / rawMb);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round} 1 MiB commits: {largeMb:F1} MB/s ({large.PerSecond:F1}/s), {largeMb / rawMb:F3} x raw; {(double)(store.SyncCount - syncsBefore) / large.Operations:F3} sync rounds per commit, {store.SegmentCount} segment(s) of {new StoreOptions().SegmentSize >> 20} MiB; re-sealing the record (CRC32C of 1 MiB) {sealing.Elapsed.TotalSeconds / large.Seconds:P1} of the time; {large.Cost.Describe(large.Operations, large.Seconds)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round}   its anchor, raw 1 MiB write + fdatasync: {rawMb:F1} MB/s ({1e3 / raw.PerSecond:F3} ms each); {raw.Cost.Describe(raw.Operations, raw.Seconds)}"));
    }

    /// <summary>write(<paramref name="size"/> bytes) appended to a new file + fdatasync, one after another.</summary>
    private static LoopWorkload RawLoop(string path, int size)
    {
        var data = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        Random.Shared.NextBytes(data);
        var file = new AppendingFile(path);
        return new LoopWorkload(_ => file.AppendDurably(data), file);
    }

    private static void Report(BenchReport report, StoreSamples samples)
    {
        const string Paired = "vs the raw anchor it took turns with";
        samples.Report(report, "raw_fdatasync_per_s", "syncs/s", $"anchor: write({SmallRecordSize} B) appended to a file + fdatasync");
        foreach (var committers in CommitterCounts)
        {
            var target = committers switch
            {
                1 => "; target >= 0.8",
                64 => "; target >= 10",
                _ => "",
            };
            samples.Report(report, $"commit_{committers}_per_s", "commits/s", $"{committers} committer thread(s), {SmallRecordSize} B transactions");
            samples.Report(report, $"commit_{committers}_vs_raw", "ratio", Paired + target);
        }
        var most = CommitterCounts[^1];
        samples.Report(report, $"commit_{most}_syncs_per_commit", "syncs/commit", "store.SyncCount / commits");
        samples.Report(report, "large_mb_per_s", "MB/s", "1 MiB transactions committed one after another, payload bytes");
        samples.Report(report, "raw_large_mb_per_s", "MB/s", "anchor: write(1 MiB) appended to a file + fdatasync");
        samples.Report(report, "large_vs_raw", "ratio", Paired + "; target >= 0.8");
    }

    private static JournalHeader Header() => JournalHeader.Create(Guid.NewGuid(), 1, "bench", "/");
}
