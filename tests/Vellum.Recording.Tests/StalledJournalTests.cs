using System.Diagnostics;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>A journal disk that stops answering slows the mount's writers, counted as stalls, and loses nothing.</summary>
public sealed class StalledJournalTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public void WritersStallWhileTheJournalDiskHangsAndEveryChangeArrivesAfterIt()
    {
        using var device = new StallingDevice();
        using var mount = JournaledMount.StartWithJournal(Path.Combine(device.MountPoint, "journal"));
        var file = Path.Combine(mount.MountPoint, "big");
        var data = new byte[MiB];
        new Random(7).NextBytes(data);

        device.Stall();
        // 40 MiB through a 16 MiB ring whose drain cannot write: writers must wait for space.
        var writer = new Thread(() =>
        {
            for (var i = 0; i < 40; i++)
                Assert.True(Sys.WriteAt(file, (long)i * MiB, data));
        });
        writer.Start();
        Assert.True(device.WaitUntilHolding(JournaledMount.Patience), "the journal's first write never reached the device");
        var deadline = Stopwatch.StartNew();
        while (mount.Status().GetProperty("stalls").GetInt64() == 0)
            Assert.True(deadline.Elapsed < JournaledMount.Patience, "no writer stalled while the journal disk hung");
        Assert.True(writer.IsAlive, "all 40 MiB went through while the journal disk hung");
        device.Resume();
        writer.Join();
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }
}
