using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>Every change through a journaled mount is in the journal, in an order that rebuilds the backing directory exactly.</summary>
public sealed class JournaledMountTests
{
    [Fact]
    public void ReplayOfTheJournalRebuildsTheBackingDirectoryAfterARandomWorkload()
    {
        using var mount = JournaledMount.Start();
        var workload = new RandomWorkload(mount.MountPoint, seed: 5);
        workload.Run(threads: 4, operations: 1500);
        mount.Unmount();

        var replica = Path.Combine(mount.Root, "replay");
        var applied = Replay.Into(mount.Journal, replica);

        Assert.True(applied > 1000, $"only {applied} transactions");
        TreeComparison.AssertEqual(mount.Backing, replica);
    }
}
