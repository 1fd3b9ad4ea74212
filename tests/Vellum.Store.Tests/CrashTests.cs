using System.Diagnostics;
using Vellum.Journal.Scanning;

namespace Vellum.Store.Tests;

/// <summary>
/// A child process commits in a loop and is SIGKILLed at random moments; after every kill the
/// store must reopen with every commit the child reported, intact, nothing half-written
/// visible, and must take appends again (the next child continues the same store).
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int Lanes = 4;
    private const int KillsPerLane = 50;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-store-crash-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>200 kills in all, in four independent stores run side by side to keep CI short.</summary>
    [Fact]
    public async Task Every_reported_commit_survives_200_kills()
    {
        var lanes = Enumerable.Range(0, Lanes).Select(lane => Task.Factory.StartNew(() => RunLane(lane), TaskCreationOptions.LongRunning));
        var recovered = (await Task.WhenAll(lanes)).Sum();
        // Kills that never left anything to repair would prove nothing about recovery.
        Assert.True(recovered >= 20, $"only {recovered} of {Lanes * KillsPerLane} kills left anything to recover");
    }

    /// <summary>Kills a child on one store again and again, checking the store after each kill; returns how many reopenings repaired something.</summary>
    private int RunLane(int lane)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, $"lane{lane}")).FullName;
        var rng = new Random(20261121 + lane);
        var reported = new HashSet<ulong>();
        var recovered = 0;
        for (var kill = 0; kill < KillsPerLane; kill++)
        {
            reported.UnionWith(RunChildUntilKilled(directory, lane * 1000 + kill, rng.Next(0, 40)));

            using var store = SegmentStore.Open(directory, Txn.Options());
            if (!store.Recovery.IsClean)
                recovered++;
            var (entries, error, incomplete) = Txn.ReadAll(store);
            Assert.Null(error);
            Assert.Empty(incomplete);
            var committed = entries.OfType<TransactionEntry>().ToList();
            foreach (var transaction in committed)
                Txn.AssertIntact(transaction);
            var present = committed.Select(t => t.TransactionId).ToHashSet();
            var lost = reported.Where(id => !present.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"lane {lane}, after kill {kill}: reported commits missing: {string.Join(", ", lost)}");
        }
        return recovered;
    }

    /// <summary>Starts a child, lets it report <paramref name="commits"/> commits, SIGKILLs it, and returns what it reported.</summary>
    private static List<ulong> RunChildUntilKilled(string directory, int seed, int commits)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add(Program.AppendLoop);
        info.ArgumentList.Add(directory);
        info.ArgumentList.Add(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var child = Process.Start(info)!;
        var reported = new List<ulong>();
        try
        {
            var opened = child.StandardOutput.ReadLine();
            if (opened is null || !opened.StartsWith("opened ", StringComparison.Ordinal))
            {
                child.Kill();
                Assert.Fail($"child did not open the store: {opened} {child.StandardError.ReadToEnd()}");
            }
            while (reported.Count < commits)
            {
                var line = child.StandardOutput.ReadLine();
                Assert.NotNull(line);
                reported.Add(ulong.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
        // Lines already printed before the kill count too: the child printed them after commit returned.
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("committed ", StringComparison.Ordinal))
                reported.Add(ulong.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        return reported;
    }
}
