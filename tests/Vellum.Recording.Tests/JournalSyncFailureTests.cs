using System.Diagnostics;
using System.Text.Json;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A journal disk whose fdatasync fails (<see cref="FailingSyncDevice"/>, which also loses the
/// unsynced bytes, as a failed sync may): out of space, the mount pauses as at a full append
/// and resumes by itself, rewriting what the failed sync lost from the write-ahead ring; on
/// EIO the journal stops safely and the next mount recovers. Nothing acknowledged is lost.
/// </summary>
public sealed class JournalSyncFailureTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public void A_full_disk_at_fdatasync_pauses_the_journal_and_it_resumes_with_what_the_failed_sync_lost_rewritten()
    {
        using var device = new FailingSyncDevice();
        using var mount = JournaledMount.StartWithJournal(Path.Combine(device.MountPoint, "journal"));
        var file = Path.Combine(mount.MountPoint, "data");
        var first = Bytes(1);
        var second = Bytes(2);
        var third = Bytes(3);
        Assert.True(Sys.WriteAt(file, 0, first, fsync: true));

        device.FailSyncs(Errno.ENOSPC);
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.Equal(MiB, (int)LibC.PWrite(fd, second, MiB));
            Assert.Equal(-1, LibC.FDataSync(fd));
            var errno = LibC.LastError();
            Assert.True(errno == Errno.ENOSPC, $"fdatasync failed with errno {errno}: {mount.Status()}\n{mount.Log}");
            Assert.True(device.FailedSyncs > 0);
            var full = mount.Status().GetProperty("full");
            Assert.Equal(JsonValueKind.String, full.ValueKind);
            Assert.Contains("fdatasync", full.GetString());
            Assert.Contains("durable position", full.GetString());
            Assert.Equal(-1, LibC.PWrite(fd, third, 2 * MiB));
            Assert.Equal(Errno.ENOSPC, LibC.LastError());
            Assert.False(Sys.WriteAt(Path.Combine(mount.MountPoint, "refused"), 0, first));
            Assert.False(File.Exists(Path.Combine(mount.Backing, "refused")), "a change refused for a full journal reached the backing directory");

            device.StopFailing();
            var deadline = Stopwatch.StartNew();
            while (mount.Status().GetProperty("full").ValueKind != JsonValueKind.Null)
                Assert.True(deadline.Elapsed < JournaledMount.Patience, "the journal stayed full after syncs worked again");
            Assert.Contains("has room again", mount.Log);
            Assert.Equal(0, LibC.FDataSync(fd));
            Assert.Equal(MiB, (int)LibC.PWrite(fd, third, 2 * MiB));
            Assert.Equal(0, LibC.FSync(fd));
        }
        finally
        {
            LibC.Close(fd);
        }
        mount.Unmount();

        var replica = Replay.AssertEqualsBacking(mount);
        Assert.Equal([.. first, .. second, .. third], File.ReadAllBytes(Path.Combine(replica, "data")));
    }

    [Fact]
    public void On_a_disk_that_fills_up_at_writeback_writers_get_ENOSPC_and_the_journal_resumes_by_itself_when_there_is_room()
    {
        using var disk = new LoopJournalDisk();
        using var mount = JournaledMount.StartWithJournal(Path.Combine(disk.MountPoint, "journal"));
        var file = Path.Combine(mount.MountPoint, "data");
        var first = Bytes(6);
        Assert.True(Sys.WriteAt(file, 0, first, fsync: true));

        // ext4 takes the writes (it has room), the disk under it does not: the journal's
        // fdatasync fails with ENOSPC, and the pages it could not write are no longer dirty.
        disk.Fill(bytesLeft: 2 * MiB);
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        Assert.True(fd >= 0);
        long written = MiB;
        try
        {
            var errno = Errno.Success;
            while (errno == Errno.Success && written < 64 * MiB)
            {
                if (LibC.PWrite(fd, Bytes((int)(written / MiB) + 10), written) != MiB)
                    errno = LibC.LastError();
                else if (LibC.FDataSync(fd) != 0)
                    errno = LibC.LastError();
                else
                    written += MiB;
            }
            Assert.True(errno == Errno.ENOSPC, $"the mount answered errno {errno} after {written} bytes:\n{mount.Log}");
            Assert.Contains("fdatasync", mount.Status().GetProperty("full").GetString());
            Assert.False(Sys.WriteAt(Path.Combine(mount.MountPoint, "refused"), 0, first));
            Assert.False(File.Exists(Path.Combine(mount.Backing, "refused")), "a change refused for a full journal reached the backing directory");

            disk.MakeRoom();
            var deadline = Stopwatch.StartNew();
            while (mount.Status().GetProperty("full").ValueKind != JsonValueKind.Null)
                Assert.True(deadline.Elapsed < JournaledMount.Patience, $"the journal stayed full with room on its disk:\n{mount.Log}");
            Assert.Equal(0, LibC.FDataSync(fd));
            Assert.Equal(MiB, (int)LibC.PWrite(fd, first, written + MiB));
            Assert.Equal(0, LibC.FSync(fd));
        }
        finally
        {
            LibC.Close(fd);
        }
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void A_failed_fdatasync_stops_the_journal_with_EIO_and_the_next_mount_recovers_everything_acknowledged()
    {
        using var device = new FailingSyncDevice();
        using var mount = JournaledMount.StartWithJournal(Path.Combine(device.MountPoint, "journal"));
        var file = Path.Combine(mount.MountPoint, "data");
        var first = Bytes(4);
        var second = Bytes(5);
        Assert.True(Sys.WriteAt(file, 0, first, fsync: true));

        device.FailSyncs(Errno.EIO);
        var fd = Sys.Open(file, LibCConstants.OWrOnly, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.Equal(MiB, (int)LibC.PWrite(fd, second, MiB));
            Assert.Equal(-1, LibC.FSync(fd));
            Assert.Equal(Errno.EIO, LibC.LastError());
            var failure = mount.Status().GetProperty("failure");
            Assert.Equal(JsonValueKind.String, failure.ValueKind);
            Assert.Contains("fdatasync", failure.GetString());
            Assert.Equal(-1, LibC.PWrite(fd, second, 2 * MiB));
            Assert.Equal(Errno.EIO, LibC.LastError());
            Assert.False(Sys.WriteAt(Path.Combine(mount.MountPoint, "refused"), 0, first));
            Assert.False(File.Exists(Path.Combine(mount.Backing, "refused")), "a change the stopped journal refused reached the backing directory");
        }
        finally
        {
            LibC.Close(fd);
        }
        Assert.Contains("stopped", mount.Log);
        mount.Unmount();

        device.StopFailing();
        mount.Mount();
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "after"), 0, first, fsync: true));
        mount.Unmount();

        var replica = Replay.AssertEqualsBacking(mount);
        Assert.Equal([.. first, .. second], File.ReadAllBytes(Path.Combine(replica, "data")));
    }

    private static byte[] Bytes(int seed)
    {
        var data = new byte[MiB];
        new Random(seed).NextBytes(data);
        return data;
    }
}
