using System.Diagnostics;
using System.Globalization;
using Vellum.Bench.Baseline;
using Vellum.Bench.Fuse;
using Vellum.Host;
using Vellum.Native;

namespace Vellum.Bench;

/// <summary>
/// Suite "baseline" (issue 19): what protecting a directory that already holds data costs.
/// One generated tree (100,000 files, 4 GiB; --quick 5,000 files, 256 MiB) on one disk.
/// Anchors: <c>cp -a</c> and <c>rsync -a</c> of the tree, from a cold cache, each timed to
/// the end of a sync. The baseline: <c>vellum mount TREE MNT --journal J</c> from a cold
/// cache, timed from starting the mount to its status saying the baseline is complete and a
/// sync of the journal's filesystem. The recheck: the same mount again after a clean
/// unmount, its start-up comparison with the manifest against <c>find -printf</c> of the
/// tree (warm cache). And, on a fresh journal, an application's fsync latency while a
/// baseline runs against after it completed. Needs root (mounts, drop_caches); installs
/// nothing (cp, find and rsync: scripts/bench-deps.sh).
/// </summary>
public static class BaselineSuite
{
    /// <summary>Remounts on the unchanged tree, each after a find of it: the check takes well under a second, so one would be noise.</summary>
    private const int RecheckRounds = 3;

    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        if (LibC.GetEuid() != 0)
        {
            Console.Error.WriteLine("baseline: needs root (it mounts a FUSE filesystem and drops the page cache); no figures");
            return Task.CompletedTask;
        }
        if (new[] { "cp", "rsync", "find" }.Select(Tools.Missing).OfType<string>().ToList() is { Count: > 0 } missing)
        {
            Console.Error.WriteLine($"baseline: {string.Join(", ", missing)}; install with: {Tools.InstallHint}; no figures");
            return Task.CompletedTask;
        }
        var files = options.Quick ? 5_000 : 100_000;
        var bytes = options.Quick ? 256L << 20 : 4L << 30;
        var iterations = options.Quick ? 300 : 2_000;
        var timeout = options.Quick ? TimeSpan.FromMinutes(5) : TimeSpan.FromMinutes(30);
        // Under /tmp: the filesystem Vellum's backing directories live on (ext4 here); the
        // copies, the journals and the tree share its disk.
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-baseline");
        var cleanup = new SuiteCleanup("baseline");
        try
        {
            TargetRounds.RemoveRoot(root);
            Directory.CreateDirectory(root);
            var clock = Stopwatch.StartNew();
            var tree = TreeGenerator.Create(Path.Combine(root, "tree"), files, bytes);
            LibC.Sync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tree {tree.Path} ({MountTable.FsTypeOf(root)}): {tree.Files:N0} files in {tree.Directories:N0} directories, {tree.Bytes >> 20:N0} MiB, generated in {clock.Elapsed.TotalSeconds:F1} s"));
            var stallBefore = Tools.CpuStallMicroseconds();
            clock.Restart();

            var anchors = new Anchors(cleanup);
            var megabytes = tree.Bytes / 1e6;
            Tools.DropCaches();
            var cp = anchors.Cp(tree.Path, Path.Combine(root, "copy-cp"));
            Anchors.Remove(Path.Combine(root, "copy-cp"));
            report.Add("cp_s", cp, "s", "anchor: cp -a of the tree to the same disk, cold cache, until a sync returned");
            report.Add("cp_mbps", megabytes / cp, "MB/s");
            Tools.DropCaches();
            var rsync = anchors.Rsync(tree.Path, Path.Combine(root, "copy-rsync"));
            Anchors.Remove(Path.Combine(root, "copy-rsync"));
            report.Add("rsync_s", rsync, "s", "anchor: rsync -a of the tree to the same disk, cold cache, until a sync returned");
            report.Add("rsync_mbps", megabytes / rsync, "MB/s");

            try
            {
                var mount = new BaselineMount(cleanup, Tools.RepositoryRoot(), tree.Path, Path.Combine(root, "mnt"), Directory.CreateDirectory(Path.Combine(root, "journal")).FullName);
                if (mount.Unavailable() is { } reason)
                    throw new BaselineUnavailableException(reason);
                var baseline = RunBaseline(mount, tree, timeout, report);
                report.Add("vs_cp", cp / baseline, "ratio", "cp time / baseline time, above 1: the baseline faster; target >= 0.5");
                report.Add("vs_rsync", rsync / baseline, "ratio", "rsync time / baseline time; target >= 1.0");
                RunRecheck(mount, anchors, tree, timeout, report);
                Anchors.Remove(mount.Journal);
                var loaded = new BaselineMount(cleanup, Tools.RepositoryRoot(), tree.Path, Path.Combine(root, "mnt"), Directory.CreateDirectory(Path.Combine(root, "journal-app")).FullName);
                FsyncUnderBaseline.Run(loaded, iterations, timeout, report);
            }
            catch (Exception e) when (e is BaselineUnavailableException or MountUnavailableException)
            {
                Console.WriteLine($"baseline: {e.Message}; the product's figures are pending, only the anchors were measured");
            }
            TargetRounds.PrintCpuPressure(stallBefore, clock);
        }
        finally
        {
            cleanup.Dispose();
            TargetRounds.RemoveRoot(root);
        }
        return Task.CompletedTask;
    }

    /// <summary>The first mount on the tree, from a cold cache: seconds from starting the mount to the baseline complete and synced.</summary>
    private static double RunBaseline(BaselineMount mount, GeneratedTree tree, TimeSpan timeout, BenchReport report)
    {
        Tools.DropCaches();
        var clock = Stopwatch.StartNew();
        mount.Mount();
        var done = mount.WaitUntilComplete(timeout);
        LibC.SyncFileSystem(mount.Journal);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baseline: {done.ObjectsTotal:N0} objects, {done.BytesTotal >> 20:N0} MiB recorded in {seconds:F2} s (the mount reports {done.BytesPerSecond / 1e6:F0} MB/s)"));
        if (done.BytesTotal != tree.Bytes)
            Console.WriteLine($"baseline: the mount counted {done.BytesTotal:N0} bytes, the tree holds {tree.Bytes:N0}");
        report.Add("baseline_s", seconds, "s", "vellum mount on the tree with a fresh journal, cold cache: from starting the mount to its status saying complete, then a sync of the journal's filesystem");
        report.Add("baseline_mbps", tree.Bytes / 1e6 / seconds, "MB/s", "the tree's bytes / baseline_s");
        report.Add("baseline_objects_per_s", done.ObjectsTotal / seconds, "objects/s", $"{done.ObjectsTotal:N0} objects (files and directories)");
        return seconds;
    }

    /// <summary>
    /// A clean unmount (which writes the manifest), then, in each round, find over the tree and
    /// the mount again on the unchanged tree, warm cache: the start-up check's own time (from
    /// the status) against find's, medians of the rounds, each pair close in time.
    /// </summary>
    private static void RunRecheck(BaselineMount mount, Anchors anchors, GeneratedTree tree, TimeSpan timeout, BenchReport report)
    {
        mount.Unmount();
        // One run to warm what the unmount's walk left cold.
        anchors.Find(tree.Path);
        var finds = new List<double>();
        var checks = new List<BaselineStatusReply>();
        var totals = new List<double>();
        for (var round = 0; round < RecheckRounds; round++)
        {
            finds.Add(anchors.Find(tree.Path));
            var clock = Stopwatch.StartNew();
            mount.Mount();
            try
            {
                var done = mount.WaitUntilComplete(timeout);
                totals.Add(clock.Elapsed.TotalSeconds);
                checks.Add(done);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"recheck {round + 1}: find {finds[^1]:F3} s; {done.CheckedObjects:N0} objects checked in {done.CheckSeconds:F3} s, {done.FoundChanges:N0} change(s) found; mount to complete {totals[^1]:F2} s"));
            }
            finally
            {
                mount.Unmount();
            }
        }
        var find = Median(finds);
        var check = Median(checks.Select(c => c.CheckSeconds));
        report.Add("find_s", find, "s", $"anchor: find TREE -printf '%p %s %T@ %C@ %i\\n' > /dev/null, warm cache, median of {RecheckRounds}");
        report.Add("check_s", check, "s", $"the remount's comparison of the tree with the manifest (check_seconds in its status), median of {RecheckRounds}");
        report.Add("checked_objects", checks[^1].CheckedObjects, "objects");
        report.Add("found_changes", checks.Max(c => c.FoundChanges), "objects", "the most of any remount; 0 expected: the tree did not change");
        report.Add("recheck_total_s", Median(totals), "s", $"from starting the remount to its baseline state complete, median of {RecheckRounds}");
        if (check > 0)
            report.Add("recheck_vs_find", find / check, "ratio", "find time / check time, above 1: the check faster; target >= 0.5");
        else
            Console.WriteLine("recheck: the status reports no check time; no recheck_vs_find");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
