using System.Diagnostics;
using System.Globalization;
using Vellum.Bench.Fuse;
using Vellum.Native;

namespace Vellum.Bench.Baseline;

/// <summary>
/// What a running baseline costs an application on the mount: a 4 KiB append + fsync loop
/// into a file inside the mount while the baseline of the whole tree runs (from a cold cache,
/// so it reads the disk the loop writes to; the loop starts once a tenth of the bytes are recorded), then the same loop on the same mount once the
/// baseline completed and the disk was synced (idle).
/// </summary>
internal static class FsyncUnderBaseline
{
    public static void Run(BaselineMount mount, int iterations, TimeSpan timeout, BenchReport report)
    {
        var file = Path.Combine(mount.WorkPath, "app-fsync.dat");
        Tools.DropCaches();
        mount.Mount();
        try
        {
            // Past its first tenth: the loop meets the baseline reading and writing at its pace,
            // not walking its first directories.
            var before = mount.WaitFor(p => BaselineMount.IsComplete(p) || (p.State == "running" && p.BytesTotal > 0 && p.BytesDone * 10 >= p.BytesTotal), timeout);
            var clock = Stopwatch.StartNew();
            var loaded = FsyncLatencyWorkload.Run(file, iterations, useFdatasync: false);
            var loopSeconds = clock.Elapsed.TotalSeconds;
            var after = mount.Ask() ?? before;
            // A loop that outlasted the baseline measured partly an idle mount: say so with the figure.
            var overlap = BaselineMount.IsComplete(after)
                ? "; the baseline COMPLETED before the loop ended, so part of the loop ran idle and the ratio understates the cost"
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fsync loop during the baseline: p50 {loaded.P50:F1} us, p99 {loaded.P99:F1} us, {loopSeconds:F2} s; the baseline went from {before.BytesDone >> 20} to {after.BytesDone >> 20} of {after.BytesTotal >> 20} MiB meanwhile ({after.State}){overlap}"));

            mount.WaitUntilComplete(timeout);
            LibC.SyncFileSystem(mount.Journal);
            var idle = FsyncLatencyWorkload.Run(file, iterations, useFdatasync: false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fsync loop after the baseline completed: p50 {idle.P50:F1} us, p99 {idle.P99:F1} us"));

            var note = string.Create(CultureInfo.InvariantCulture, $"{loaded.Calls} into a file inside the mount, {iterations:N0} iterations");
            report.Add("app_fsync_p50_us", loaded.P50, "us", $"{note}, while the baseline runs");
            report.Add("app_fsync_p99_us", loaded.P99, "us", $"{note}, while the baseline runs");
            report.Add("idle_fsync_p50_us", idle.P50, "us", $"{note}, same mount after the baseline completed");
            report.Add("idle_fsync_p99_us", idle.P99, "us", $"{note}, same mount after the baseline completed");
            report.Add("baseline_during_app_mbps", (after.BytesDone - before.BytesDone) / 1e6 / loopSeconds, "MB/s", "how fast the baseline recorded while the loop ran (it yields to applications' fsyncs)");
            report.Add("app_fsync_p50_vs_idle", loaded.P50 / idle.P50, "ratio", $"p50 during the baseline / p50 idle, lower is better; target <= 2{overlap}");
        }
        finally
        {
            mount.Unmount();
        }
    }
}
