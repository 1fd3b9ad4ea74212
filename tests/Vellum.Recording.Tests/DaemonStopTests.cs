using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// Stopping a journaled mount's daemon always works within seconds: SIGTERM and `vellum
/// umount` even with a FUSE reader blocked in a journal whose disk hangs, Ctrl-C while a
/// program holds a file open (saying what it waits for, and stopping at the second Ctrl-C).
/// Every change acknowledged before is in the journal afterwards.
/// </summary>
public sealed class DaemonStopTests
{
    private const int MiB = 1 << 20;
    private const int SIGINT = 2;
    private const int SIGTERM = 15;

    /// <summary>The most a stop may take: the daemon's own limits are 3 s of grace, 2 s for a stuck reader and 5 s for the journal.</summary>
    private static readonly TimeSpan Seconds = TimeSpan.FromSeconds(20);

    /// <summary>4 MiB/s: the remount's check records big's 13 MiB again in about 3 s.</summary>
    private const string BaselineRate = "4194304";

    [Fact]
    public void SIGTERM_stops_a_daemon_whose_reader_is_blocked_in_a_hung_journal_and_keeps_every_acknowledged_change() =>
        StopWhileAReaderIsBlockedInTheJournal(mount => mount.Signal(SIGTERM));

    [Fact]
    public void Vellum_umount_stops_a_daemon_whose_reader_is_blocked_in_a_hung_journal_and_keeps_every_acknowledged_change() =>
        StopWhileAReaderIsBlockedInTheJournal(mount =>
        {
            var (exitCode, _, error) = JournaledMount.RunVellum("umount", mount.MountPoint);
            Assert.True(exitCode == 0, error);
            Assert.Contains("was busy (1 open file: ", error);
            Assert.Contains("aborted its connection", error);
        });

    [Fact]
    public void Ctrl_C_with_a_file_held_open_says_what_it_waits_for_and_a_second_Ctrl_C_stops_without_waiting()
    {
        using var mount = JournaledMount.Start();
        var held = Path.Combine(mount.MountPoint, "held");
        Assert.True(Sys.WriteAt(held, 0, Bytes(1), fsync: true));
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "written"), 0, Bytes(2)));
        using var holder = Process.Start(new ProcessStartInfo("bash", ["-c", $"exec sleep 600 3<'{held}'"]) { UseShellExecute = false })!;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!File.Exists($"/proc/{holder.Id}/fd/3") || new FileInfo($"/proc/{holder.Id}/fd/3").LinkTarget != held)
                Assert.True(deadline.Elapsed < JournaledMount.Patience, "the holder never opened the file");

            mount.Signal(SIGINT);
            var waiting = mount.WaitForLog($"waiting for 1 open file: {held} (pid {holder.Id}, sleep)", JournaledMount.Patience);
            Assert.Contains("Ctrl-C again stops without waiting", waiting);
            Assert.False(mount.HasExited, "the daemon stopped at the first Ctrl-C with a file still open");

            var stopping = Stopwatch.StartNew();
            mount.Signal(SIGINT);
            Assert.Equal(0, mount.WaitForExit(Seconds));
            Assert.True(stopping.Elapsed < Seconds, $"the second Ctrl-C took {stopping.Elapsed}");
            Assert.Null(MountInfo.FileSystemTypeAt(mount.MountPoint));
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }

        var replica = Replay.AssertEqualsBacking(mount);
        Assert.Equal(Bytes(2), File.ReadAllBytes(Path.Combine(replica, "written")));
    }

    [Fact]
    public void A_lazy_unmount_from_outside_with_a_file_held_open_stops_the_daemon_within_seconds()
    {
        using var mount = JournaledMount.Start();
        var held = Path.Combine(mount.MountPoint, "held");
        Assert.True(Sys.WriteAt(held, 0, Bytes(1)));
        var fd = Sys.Open(held, LibCConstants.OWrOnly, 0);
        Assert.True(fd >= 0);
        try
        {
            var stopping = Stopwatch.StartNew();
            using (var umount = Process.Start("umount", ["-l", mount.MountPoint]))
                umount.WaitForExit();
            Assert.Equal(0, mount.WaitForExit(Seconds));
            Assert.True(stopping.Elapsed < Seconds, $"stopping took {stopping.Elapsed}");
            Assert.Contains("was detached by a lazy unmount from outside", mount.Log);
            Assert.Contains($"waiting for 1 open file: {held} (pid {Environment.ProcessId}, ", mount.Log);
            Assert.Equal(-1, LibC.PWrite(fd, Bytes(2), 0));
        }
        finally
        {
            LibC.Close(fd);
        }

        Replay.AssertEqualsBacking(mount);
    }

    private static void StopWhileAReaderIsBlockedInTheJournal(Action<JournaledMount> stop)
    {
        using var device = new StallingDevice();
        using var mount = JournaledMount.StartWithJournal(Path.Combine(device.MountPoint, "journal"));
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "synced"), 0, Bytes(1), fsync: true));
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "written"), 0, Bytes(2)));

        device.Stall();
        // 40 MiB through a 16 MiB ring whose drain cannot write: a reader blocks in the journal.
        var data = Bytes(3);
        var big = Path.Combine(mount.MountPoint, "big");
        var writer = new Thread(() =>
        {
            for (var i = 0; i < 40 && Sys.WriteAt(big, (long)i * MiB, data); i++)
            {
            }
        });
        writer.Start();
        Assert.True(device.WaitUntilHolding(JournaledMount.Patience), "the journal's first write never reached the device");
        var deadline = Stopwatch.StartNew();
        while (mount.Status().GetProperty("stalls").GetInt64() == 0)
            Assert.True(deadline.Elapsed < JournaledMount.Patience, "no writer stalled while the journal disk hung");

        var stopping = Stopwatch.StartNew();
        stop(mount);
        // Within seconds the mount is gone, the program blocked on it has its error, and the
        // daemon has given up on its journal. Its process exits once the hung disk answers the
        // write it is blocked in: Linux waits out I/O a driver (here a FUSE server) holds.
        Assert.True(writer.Join(Seconds), "the writer is still blocked on the stopped mount");
        mount.WaitForLog("did not finish within", Seconds);
        Assert.True(stopping.Elapsed < Seconds, $"stopping took {stopping.Elapsed}");
        Assert.Null(MountInfo.FileSystemTypeAt(mount.MountPoint));

        device.Resume();
        // Exit code 3 (README's table): the environment, here the journal's disk, let the daemon down.
        Assert.Equal(3, mount.WaitForExit(JournaledMount.Patience));
        Assert.True(device.WaitUntilReleased(JournaledMount.Patience), "the held journal write never completed");
        // A daemon that did not stop cleanly saved no baseline manifest, so the remount records
        // again, with FOUND, what changed since the last one (docs/journal-format.md 3.5): big's
        // content from a RESET on, then its ATTRS. Until that check is done the journal replays
        // to a big with only the pieces recorded so far, and an unmount stops it where it is.
        // The check is paced so that it is usually still running here (as it once was on a loaded
        // machine, unpaced), and the replay is taken only once it completed.
        mount.Mount("--baseline-rate", BaselineRate);
        Assert.True(mount.WaitForBaseline().FoundChanges > 0, "the remount found nothing the journal's last manifest lacks");
        mount.Unmount();
        var replica = Replay.AssertEqualsBacking(mount);
        Assert.Equal(Bytes(1), File.ReadAllBytes(Path.Combine(replica, "synced")));
        Assert.Equal(Bytes(2), File.ReadAllBytes(Path.Combine(replica, "written")));
    }

    private static byte[] Bytes(int seed)
    {
        var data = new byte[MiB];
        new Random(seed).NextBytes(data);
        return data;
    }
}
