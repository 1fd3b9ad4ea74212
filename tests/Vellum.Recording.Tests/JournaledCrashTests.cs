using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Recording.Tests;

/// <summary>
/// SIGKILL of the mount daemon under load, at random moments: after each restart the journal
/// must rebuild exactly the backing directory, so no change is in the backing directory
/// without its transaction, none is in the journal twice, and none is missing.
/// </summary>
public sealed class JournaledCrashTests(ITestOutputHelper output)
{
    private const int KillPoints = 50;

    [Fact]
    public void AfterEverySigkillAndRestartTheJournalRebuildsTheBackingDirectory()
    {
        using var mount = JournaledMount.Start();
        var random = new Random(20261121);
        var repaired = 0;
        for (var kill = 0; kill < KillPoints; kill++)
        {
            using var stop = new CancellationTokenSource();
            var workload = new RandomWorkload(mount.MountPoint, seed: kill);
            var load = new Thread(() => workload.Run(threads: 3, operations: int.MaxValue, stop.Token));
            load.Start();
            // The kill moment is what is random here; nothing waits on the workload's progress.
            Thread.Sleep(20 + random.Next(180));
            mount.Kill();
            stop.Cancel();
            load.Join();
            mount.Mount();
            if (!mount.LastJournalLine.EndsWith("journal clean", StringComparison.Ordinal))
                repaired++;
            mount.WaitForBaseline();

            var replica = Path.Combine(mount.Root, "replay");
            JournalReplay.Into(mount.Journal, replica);
            // The root's own mtime is the journal's only until a change in the root is journaled.
            var differences = TreeComparison.Compare(mount.Backing, replica, new TreeComparisonOptions { IgnoreRootMtime = true });
            Assert.True(differences.Count == 0, $"after kill {kill + 1} ({mount.LastJournalLine}):\n{string.Join('\n', differences.Take(10))}");
            Directory.Delete(replica, recursive: true);
        }
        output.WriteLine($"{KillPoints} kills, {repaired} restarts repaired something");
        Assert.True(repaired >= KillPoints / 5, $"only {repaired} of {KillPoints} kills left anything to repair: the kills missed the load");
        mount.Unmount();
    }
}
