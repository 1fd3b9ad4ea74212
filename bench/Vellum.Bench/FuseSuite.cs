using System.Globalization;
using Vellum.Bench.Fuse;

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
        if (Libc.geteuid() != 0)
        {
            Console.Error.WriteLine("fuse: needs root (it mounts FUSE filesystems and drops the page cache); no figures");
            return Task.CompletedTask;
        }
        var size = options.Quick ? 128L << 20 : 1L << 30;
        var files = options.Quick ? 2_000 : 20_000;
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
        MountTable.ClearUnder(root);
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        var backing = Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
        var lower = Directory.CreateDirectory(Path.Combine(root, "overlay-lower")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "overlay-work")).FullName;
        Console.WriteLine($"backing directory {backing} ({MountTable.FsTypeOf(backing)}); {size >> 20} MiB file, {files:N0} files, {rounds} round(s)");

        MountedTarget[] targets =
        [
            new NativeTarget(backing),
            new BindfsTarget(cleanup, backing, Path.Combine(root, "mnt-bindfs")),
            new FuseOverlayfsTarget(cleanup, backing, lower, work, Path.Combine(root, "mnt-overlayfs")),
            new VellumTarget(cleanup, Tools.RepositoryRoot(), backing, Path.Combine(root, "mnt-vellum")),
        ];
        var stallBefore = Tools.CpuStallMicroseconds();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var samples = RunRounds(targets, new FuseWorkload(new Fio(cleanup), haveFio, size, files), rounds, backing);
        if (stallBefore is { } before && Tools.CpuStallMicroseconds() is { } after)
        {
            // The suite itself keeps at most two threads busy (workload and daemon) on two
            // cores; stalls well above a few percent mean other work ran on the machine.
            var stalled = (after - before) / 1e6 / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu pressure during the run: some task waited for a CPU {stalled:P0} of the time ({clock.Elapsed.TotalSeconds:F0} s)"));
        }
        AddRatios(report, samples.ReportMedians(report, targets.Select(t => t.Name)));
        MountTable.ClearUnder(root);
        Directory.Delete(root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Each round takes every target in turn, so a disturbance from outside spreads over all
    /// of them instead of landing on one. A target that cannot mount is dropped for the run.
    /// </summary>
    private static FuseSamples RunRounds(MountedTarget[] targets, FuseWorkload workload, int rounds, string backing)
    {
        var samples = new FuseSamples();
        var unavailable = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var target in targets.Where(t => !unavailable.Contains(t.Name)))
            {
                if (!TryMount(target, round))
                {
                    unavailable.Add(target.Name);
                    continue;
                }
                try
                {
                    workload.Run(target, (metric, value, note) =>
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {target.Name} {metric.Key}: {value:F1} {metric.Unit}"));
                        samples.Add(target.Name, metric, value, note);
                    });
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or KeyNotFoundException or System.Text.Json.JsonException)
                {
                    Console.WriteLine($"{target.Name}: workload failed, figures so far kept: {e.Message}");
                }
                finally
                {
                    target.Unmount();
                    EmptyDirectory(backing);
                }
            }
        }
        return samples;
    }

    private static bool TryMount(MountedTarget target, int round)
    {
        if (target.Unavailable() is { } reason)
        {
            Console.WriteLine($"{target.Name} mount unavailable: {reason}");
            return false;
        }
        Console.WriteLine($"round {round} {target.Name}: {target.Description}");
        try
        {
            target.Mount();
            return true;
        }
        catch (MountUnavailableException e)
        {
            Console.WriteLine($"{target.Name} mount unavailable: {e.Message}");
            return false;
        }
    }

    /// <summary>Vellum against each anchor, then the C passthroughs against native for orientation.</summary>
    private static void AddRatios(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results)
    {
        foreach (var metric in FuseMetric.All)
        {
            foreach (var anchor in new[] { "native", "bindfs", "overlayfs" })
                AddRatio(report, results, metric, "vellum", anchor, $"{metric.Key}_vs_{anchor}");
        }
        foreach (var passthrough in new[] { "bindfs", "overlayfs" })
        {
            foreach (var metric in FuseMetric.All)
                AddRatio(report, results, metric, passthrough, "native", $"{passthrough}_{metric.Key}_vs_native");
        }
    }

    private static void AddRatio(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results, FuseMetric metric, string target, string anchor, string name)
    {
        if (results.TryGetValue(target, out var measured) && measured.TryGetValue(metric, out var value)
            && results.TryGetValue(anchor, out var anchors) && anchors.TryGetValue(metric, out var anchorValue))
        {
            report.Add(name, metric.Ratio(value, anchorValue), "ratio", $"{target} vs {anchor}, above 1: {target} faster");
        }
    }

    /// <summary>Removes what a target left in the backing directory, through no mount, so the next target starts from the same empty directory.</summary>
    private static void EmptyDirectory(string directory)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo dir)
                dir.Delete(recursive: true);
            else
                entry.Delete();
        }
    }
}
