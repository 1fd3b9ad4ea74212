using Vellum.Bench.Fuse;
using Vellum.Native;

namespace Vellum.Bench;

/// <summary>
/// Suite "fuse": the same fio jobs and metadata workload on the backing directory itself,
/// on bindfs and fuse-overlayfs over it (the C passthroughs a user would otherwise pick),
/// and on the Vellum mount, one target mounted at a time. Every figure is also given as a
/// ratio to native and to the two C passthroughs measured in the same run; above 1 means
/// Vellum is faster. Needs root (mounts, drop_caches); installs nothing.
/// </summary>
public static class FuseSuite
{
    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        if (LibC.GetEuid() != 0)
        {
            Console.Error.WriteLine("fuse: needs root (it mounts FUSE filesystems and drops the page cache); no figures");
            return Task.CompletedTask;
        }
        // A full run goes three times through all targets and reports medians: the machine is
        // shared, and single runs of the same target differed by 2x.
        var rounds = options.Quick ? 1 : 3;
        var haveFio = Tools.Find("fio") is not null;
        var missing = new[] { "fio", "bindfs", "fuse-overlayfs", "fusermount3" }.Where(p => Tools.Find(p) is null).ToList();
        if (missing.Count > 0)
            Console.Error.WriteLine($"fuse: missing on PATH: {string.Join(", ", missing)}; install with: {Tools.InstallHint}");

        // Under /tmp: the filesystem Vellum's backing directories live on (ext4 here).
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-fuse");
        using var cleanup = new SuiteCleanup();
        var backing = TargetRounds.PrepareRoot(root);
        var lower = Directory.CreateDirectory(Path.Combine(root, "overlay-lower")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "overlay-work")).FullName;
        var workload = FuseWorkload.For(options, new Fio(cleanup), haveFio);
        Console.WriteLine($"backing directory {backing} ({MountTable.FsTypeOf(backing)}); {workload.Size >> 20} MiB file, {workload.Files:N0} files, {rounds} round(s)");

        MountedTarget[] targets =
        [
            new NativeTarget(backing),
            new BindfsTarget(cleanup, backing, Path.Combine(root, "mnt-bindfs")),
            new FuseOverlayfsTarget(cleanup, backing, lower, work, Path.Combine(root, "mnt-overlayfs")),
            new VellumTarget(cleanup, Tools.RepositoryRoot(), backing, Path.Combine(root, "mnt-vellum")),
        ];
        var stallBefore = Tools.CpuStallMicroseconds();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var samples = new TargetRounds(targets, backing, rounds).Run(workload.Run);
        TargetRounds.PrintCpuPressure(stallBefore, clock);
        AddRatios(report, samples.ReportMedians(report, targets.Select(t => t.Name)));
        TargetRounds.RemoveRoot(root);
        return Task.CompletedTask;
    }

    /// <summary>Vellum against each anchor, then the C passthroughs against native for orientation.</summary>
    private static void AddRatios(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results)
    {
        foreach (var metric in FuseMetric.All)
        {
            foreach (var anchor in new[] { "native", "bindfs", "overlayfs" })
                TargetRounds.AddRatio(report, results, metric, "vellum", anchor, $"{metric.Key}_vs_{anchor}");
        }
        foreach (var passthrough in new[] { "bindfs", "overlayfs" })
        {
            foreach (var metric in FuseMetric.All)
                TargetRounds.AddRatio(report, results, metric, passthrough, "native", $"{passthrough}_{metric.Key}_vs_native");
        }
    }
}
