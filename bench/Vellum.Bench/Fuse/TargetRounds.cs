using System.Diagnostics;
using System.Globalization;

namespace Vellum.Bench.Fuse;

/// <summary>
/// Runs a workload on each of a suite's targets, one mounted at a time, round after round,
/// and collects every value (the fuse and mount suites). Each round takes every target in
/// turn, so a disturbance from outside spreads over all of them instead of landing on one,
/// and each round starts one target further on, so no target always follows the same one.
/// What a target leaves behind weighs on the next: ext4 without a journal, this host's,
/// scans past every inode freed in the last minute (five, while its inode table block is
/// dirty) at each create, so the metadata workload ran up to twice as slow right after
/// another target had deleted its 20,000 files. A target that cannot mount is dropped for
/// the run.
/// </summary>
internal sealed class TargetRounds(IReadOnlyList<MountedTarget> targets, string backing, int rounds)
{
    /// <summary>What follows "NAME mount unavailable: " when a mount fails; by default the exception's message.</summary>
    public Func<MountUnavailableException, string> DescribeUnavailable { get; init; } = e => e.Message;

    /// <summary>Whether a failed workload also prints the daemon's last output lines (kept, never printed as they come).</summary>
    public bool ShowDaemonOutputOnFailure { get; init; }

    /// <summary>Clears what an interrupted run left under <paramref name="root"/> (mounts first), and creates an empty backing directory in it.</summary>
    public static string PrepareRoot(string root)
    {
        MountTable.ClearUnder(root);
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        return Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
    }

    /// <summary>Removes <paramref name="root"/> once nothing is mounted under it any more.</summary>
    public static void RemoveRoot(string root)
    {
        MountTable.ClearUnder(root);
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }

    /// <summary>
    /// Runs <paramref name="workload"/> on every target in every round; it hands each value to
    /// the recorder it is given, which adds it to <paramref name="samples"/> (new when null).
    /// </summary>
    public FuseSamples Run(Action<MountedTarget, Action<FuseMetric, double, string>> workload, FuseSamples? samples = null)
    {
        samples ??= new FuseSamples();
        var unavailable = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 1; round <= rounds; round++)
        {
            var first = (round - 1) % targets.Count;
            foreach (var target in targets.Skip(first).Concat(targets.Take(first)).Where(t => !unavailable.Contains(t.Name)))
            {
                if (!TryMount(target, round))
                {
                    unavailable.Add(target.Name);
                    continue;
                }
                try
                {
                    workload(target, (metric, value, note) =>
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {target.Name} {metric.Key}: {value:F1} {metric.Unit}"));
                        samples.Add(target.Name, metric, value, note);
                    });
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or KeyNotFoundException or System.Text.Json.JsonException)
                {
                    Console.WriteLine($"{target.Name}: workload failed, figures so far kept: {e.Message}");
                    if (ShowDaemonOutputOnFailure && target is FuseProcessTarget process)
                        Console.WriteLine($"{target.Name}: daemon output: {process.OutputTail}");
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

    /// <summary>
    /// Prints the share of the run's time in which some task waited for a CPU. A suite keeps
    /// at most two threads busy (workload and daemon) on two cores; stalls well above a few
    /// percent mean other work ran on the machine.
    /// </summary>
    public static void PrintCpuPressure(long? stallBefore, Stopwatch clock)
    {
        if (stallBefore is { } before && Tools.CpuStallMicroseconds() is { } after)
        {
            var stalled = (after - before) / 1e6 / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu pressure during the run: some task waited for a CPU {stalled:P0} of the time ({clock.Elapsed.TotalSeconds:F0} s)"));
        }
    }

    /// <summary>
    /// Adds <paramref name="target"/>'s median against <paramref name="anchor"/>'s as
    /// <see cref="FuseMetric.Ratio"/> (above 1: target faster), if both were measured.
    /// </summary>
    public static void AddRatio(BenchReport report, Dictionary<string, Dictionary<FuseMetric, double>> results, FuseMetric metric, string target, string anchor, string name, string note = "")
    {
        if (results.TryGetValue(target, out var measured) && measured.TryGetValue(metric, out var value)
            && results.TryGetValue(anchor, out var anchors) && anchors.TryGetValue(metric, out var anchorValue))
        {
            report.Add(name, metric.Ratio(value, anchorValue), "ratio", $"{target} vs {anchor}, above 1: {target} faster{note}");
        }
    }

    private bool TryMount(MountedTarget target, int round)
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
            Console.WriteLine($"{target.Name} mount unavailable: {DescribeUnavailable(e)}");
            return false;
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
