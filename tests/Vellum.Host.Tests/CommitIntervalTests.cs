using System.Globalization;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Host.Tests;

/// <summary>
/// What a power cut takes from a mount whose applications never fsync: a journal cut back to the
/// position it had made durable when the power went. With the commit interval, the changes
/// lost are only those of the last interval (plus one sync); without it, none of a quiet
/// workload's changes were durable.
/// </summary>
public sealed class CommitIntervalTests(ITestOutputHelper output)
{
    /// <summary>
    /// Writes file N (its content N) every 20 ms for DURATION ns, noting when each write returned,
    /// in ns since the epoch. The duration is 5 s and a random part of a second, so the cut falls
    /// anywhere between two commits, not just after one (the commits start with the mount).
    /// </summary>
    private const string Workload = """
        end=$(( $(date +%s%N) + DURATION ))
        i=0
        while [ "$(date +%s%N)" -lt "$end" ]; do
            echo "$i" > "f$i"
            echo "$i $(date +%s%N)" >> ../written
            i=$((i + 1))
            sleep 0.02
        done
        """;

    /// <summary>Allowance for the sync a commit takes, on a 2-core machine that runs the other tests too.</summary>
    private static readonly TimeSpan OneSync = TimeSpan.FromSeconds(0.75);

    [Fact]
    public void A_power_cut_after_five_seconds_of_writes_without_fsync_loses_at_most_the_commit_interval()
    {
        var interval = TimeSpan.FromSeconds(1);
        var (written, kept, cutAt) = WriteThenCut(interval);

        var lost = written.Where(file => !kept.Contains(file.Number)).ToList();
        var oldestLost = lost.Count == 0 ? TimeSpan.Zero : cutAt - lost.Min(file => file.At);
        output.WriteLine($"lost {lost.Count} of {written.Count} files, the oldest written {oldestLost.TotalSeconds:0.000} s before the cut");
        Assert.True(oldestLost <= interval + OneSync,
            $"the cut lost {lost.Count} of {written.Count} files, the oldest written {oldestLost.TotalSeconds:0.00} s before it (commit interval {interval.TotalSeconds} s)");
        Assert.True(kept.Count > written.Count / 2, $"only {kept.Count} of {written.Count} files survived the cut");
    }

    [Fact]
    public void Without_a_commit_interval_the_same_cut_loses_the_whole_quiet_workload()
    {
        var (written, kept, _) = WriteThenCut(TimeSpan.Zero);

        Assert.True(written.Count > 50, $"the workload wrote only {written.Count} files");
        Assert.Empty(kept);
    }

    /// <summary>
    /// Runs <see cref="Workload"/> on a mount with the given commit interval, takes the store's
    /// durable position the moment it ends (the power cut), then replays the journal cut back
    /// to that position: which files were written when, and which of them the cut journal holds.
    /// </summary>
    private static (List<(int Number, DateTimeOffset At)> Written, HashSet<int> Kept, DateTimeOffset CutAt) WriteThenCut(TimeSpan interval)
    {
        using var workspace = new Workspace();
        var options = workspace.JournaledMount();
        long durable;
        DateTimeOffset cutAt;
        using (var host = MountHost.Start(options with { Journal = options.Journal! with { CommitInterval = interval } }))
        {
            workspace.RunInMount(Workload.Replace("DURATION", (5_000_000_000L + Random.Shared.NextInt64(1_000_000_000L)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            durable = host.Journal!.Status().DurablePosition;
            cutAt = DateTimeOffset.UtcNow;
            host.Stop();
        }
        var written = File.ReadAllLines(Path.Combine(workspace.Root, "written"))
            .Select(line => line.Split(' '))
            .Select(parts => (Number: int.Parse(parts[0], CultureInfo.InvariantCulture), At: DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture) / 1_000_000)))
            .ToList();

        var cut = Path.Combine(workspace.Root, "cut");
        var replica = Path.Combine(workspace.Root, "replica");
        StoreCut.CopyTo(workspace.Journal, durable, cut);
        JournalReplay.Into(cut, replica, unfinishedAllowed: true);
        var kept = written
            .Where(file => File.Exists(Path.Combine(replica, $"f{file.Number}")) && File.ReadAllText(Path.Combine(replica, $"f{file.Number}")) == $"{file.Number}\n")
            .Select(file => file.Number)
            .ToHashSet();
        return (written, kept, cutAt);
    }
}
