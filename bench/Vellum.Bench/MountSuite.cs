using System.Globalization;
using Vellum.Bench.Fuse;
using Vellum.Native;

namespace Vellum.Bench;

/// <summary>
/// Suite "mount": what the journal costs. The fuse suite's workloads plus an fsync latency
/// loop on the backing directory itself (native), on the Vellum mount without a journal
/// (nojournal) and on the journaled mount with local sync (journal), and on that mount without its commit
/// interval (nocommit: the journal synced only for fsyncs and every 4 MiB), one mounted at a time.
/// Throughput figures are ratios, above 1 meaning the first named is faster; the fsync
/// figures are latencies and their ratios journal / raw, lower being better. Needs root
/// (mounts, drop_caches); installs nothing.
/// </summary>
public static class MountSuite
{
    private static readonly IReadOnlyList<FuseMetric> Metrics = [.. FuseMetric.All, FuseMetric.FsyncP50, FuseMetric.FsyncP99];

    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        if (LibC.GetEuid() != 0)
        {
            Console.Error.WriteLine("mount: needs root (it mounts FUSE filesystems and drops the page cache); no figures");
            return Task.CompletedTask;
        }
        // Three interleaved rounds and medians, as in the fuse suite: the machine is shared.
        var rounds = options.Quick ? 1 : 3;
        var iterations = options.Quick ? 300 : 2_000;
        var haveFio = Tools.Find("fio") is not null;
        if (!haveFio)
            Console.Error.WriteLine($"mount: missing on PATH: fio; install with: {Tools.InstallHint}");

        // Under /tmp: the filesystem Vellum's backing directories live on (ext4 here). The
        // journal directories are siblings of the backing directory and the mount points.
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-mount");
        var cleanup = new SuiteCleanup("mount");
        try
        {
            var backing = TargetRounds.PrepareRoot(root);
            var workload = FuseWorkload.For(options, new Fio(cleanup), haveFio);
            Console.WriteLine($"backing directory {backing} ({MountTable.FsTypeOf(backing)}); {workload.Size >> 20} MiB file, {workload.Files:N0} files, {iterations:N0} fsync iterations, {rounds} round(s)");
            var repository = Tools.RepositoryRoot();
            MountedTarget[] targets =
            [
                new NativeTarget(backing),
                new VellumTarget(cleanup, repository, backing, Path.Combine(root, "mnt-nojournal"), "nojournal"),
                new VellumJournalTarget(cleanup, repository, backing, Path.Combine(root, "mnt-journal"), root),
                new VellumJournalTarget(cleanup, repository, backing, Path.Combine(root, "mnt-nocommit"), root, "nocommit", "--commit-interval", "0"),
            ];
            var rounder = new TargetRounds(targets, backing, rounds)
            {
                // The child's own words first ("vellum: unknown option --journal ..."), then how it ended.
                DescribeUnavailable = e => e.ChildError is { } stderr ? $"{stderr} ({e.Cause})" : e.Message,
                ShowDaemonOutputOnFailure = true,
            };
            var stallBefore = Tools.CpuStallMicroseconds();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // The fsync loops first, the three targets' one right after another in each round,
            // and the throughput workloads in rounds of their own: a latency ratio is only as
            // good as its anchor's nearness in time, and the host's load drifts over the
            // minutes the workloads take.
            Console.WriteLine($"fsync latency: {rounds} round(s) of the three loops");
            var samples = rounder.Run((target, record) => RunFsyncLatency(target, iterations, record));
            Console.WriteLine($"throughput and metadata: {rounds} round(s) of the workloads");
            rounder.Run(workload.Run, samples);
            TargetRounds.PrintCpuPressure(stallBefore, clock);
            var results = samples.ReportMedians(report, targets.Select(t => t.Name), Metrics);
            AddRatios(report, results);
        }
        finally
        {
            // Unmount first (also on an exception no target caught), then delete nothing
            // through a mount: RemoveRoot refuses while any mount remains under the root.
            cleanup.Dispose();
            TargetRounds.RemoveRoot(root);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// First on each fresh mount, after a sync: the figure most easily disturbed by work left
    /// over from an earlier workload (writeback of the fio file, a journal still writing).
    /// </summary>
    private static void RunFsyncLatency(MountedTarget target, int iterations, Action<FuseMetric, double, string> record)
    {
        // The anchor: the raw cost of a write made durable on the same disk. Through a mount,
        // what applications call.
        var useFdatasync = target is NativeTarget;
        LibC.Sync();
        var result = FsyncLatencyWorkload.Run(Path.Combine(target.WorkPath, "fsync.dat"), iterations, useFdatasync);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name} fsync loop: {result.Calls}, {iterations:N0} iterations: p50 {result.P50:F1} us, p99 {result.P99:F1} us, max {result.Max:F0} us"));
        var note = string.Create(CultureInfo.InvariantCulture, $"{result.Calls}, {iterations:N0} iterations, one file");
        record(FuseMetric.FsyncP50, result.P50, note);
        record(FuseMetric.FsyncP99, result.P99, note);
    }

    private static void AddRatios(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results)
    {
        if (!results.ContainsKey("journal"))
            Console.WriteLine("journal: no figures; the ratios of the journaled mount are not reported");
        TargetRounds.AddRatio(report, results, FuseMetric.SeqWrite, "journal", "native", "seqwrite_vs_native", "; target >= 0.4");
        TargetRounds.AddRatio(report, results, FuseMetric.SeqWrite, "nojournal", "native", "seqwrite_nojournal_vs_native");
        TargetRounds.AddRatio(report, results, FuseMetric.Meta, "journal", "nojournal", "meta_vs_nojournal", " (nojournal time / journal time); target >= 0.7");
        TargetRounds.AddRatio(report, results, FuseMetric.Meta, "journal", "native", "meta_vs_native", " (native time / journal time)");
        TargetRounds.AddRatio(report, results, FuseMetric.RandWrite, "journal", "nojournal", "randwrite_vs_nojournal");
        TargetRounds.AddRatio(report, results, FuseMetric.SeqRead, "journal", "native", "seqread_vs_native", " (cold read)");
        // The commit interval's price: the default journaled mount against one that syncs only on fsync.
        TargetRounds.AddRatio(report, results, FuseMetric.SeqWrite, "journal", "nocommit", "commit_seqwrite_vs_nocommit", " (journal with the 1 s commit interval / without)");
        TargetRounds.AddRatio(report, results, FuseMetric.Meta, "journal", "nocommit", "commit_meta_vs_nocommit", " (time without / time with the 1 s commit interval)");
        AddLatencyRatio(report, results, FuseMetric.FsyncP50, "fsync_p50_vs_raw", "; target <= 2");
        AddLatencyRatio(report, results, FuseMetric.FsyncP99, "fsync_p99_vs_raw", "; no target of its own (p50's is <= 2)");
    }

    /// <summary>Journal latency over raw latency (fsync through the journaled mount vs fdatasync on the backing disk): unlike the other ratios, lower is better.</summary>
    private static void AddLatencyRatio(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results, FuseMetric metric, string name, string target)
    {
        if (results.TryGetValue("journal", out var journal) && journal.TryGetValue(metric, out var value)
            && results.TryGetValue("native", out var native) && native.TryGetValue(metric, out var raw))
        {
            report.Add(name, value / raw, "ratio", $"journal latency / raw latency (fsync through the mount vs fdatasync on the disk), BELOW 1: journal faster, lower is better{target}");
        }
    }
}
