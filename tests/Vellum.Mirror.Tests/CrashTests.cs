using System.Diagnostics;
using Vellum.Testing;

namespace Vellum.Mirror.Tests;

/// <summary>
/// A child process mirrors a large journal and is SIGKILLed at random positions; each rerun
/// continues from the persisted position, and the tree that ends up equals the source.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Mirroring_killed_at_random_moments_and_rerun_ends_with_the_source_tree()
    {
        using (var journal = new JournalBuilder(_work.Store, segmentSize: 256 * 1024))
            Scenarios.Busy(new SourceTree(_work.Source, journal), rounds: 1500);
        var rng = new Random(7);
        var kills = 0;
        for (var run = 0; run < 8; run++)
        {
            var killAfter = rng.Next(20, 400);
            if (RunChild(killAfter))
                break;
            kills++;
        }
        Assert.True(kills >= 3, $"only {kills} runs were killed before the mirror finished");
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
    }

    /// <summary>Runs the mirroring child until it has reported <paramref name="positions"/> positions, then SIGKILLs it; true when it finished first.</summary>
    private bool RunChild(int positions)
    {
        var assembly = typeof(Program).Assembly.Location;
        var info = new ProcessStartInfo("dotnet", ["exec", assembly, Program.MirrorMode, _work.Store, _work.Replica])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(info)!;
        var reported = 0;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (line == "done")
            {
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)));
                Assert.Equal(0, child.ExitCode);
                return true;
            }
            if (++reported == positions)
            {
                child.Kill();
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)));
                return false;
            }
        }
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Fail($"the mirroring child stopped without finishing: exit {child.ExitCode}, {child.StandardError.ReadToEnd()}");
        return false;
    }
}
