using System.Diagnostics;
using System.Text.Json;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A journal on a real full filesystem (a small tmpfs, unmounted in every path): changes get
/// ENOSPC without reaching the backing directory, reads go on, nothing acknowledged is lost,
/// and once there is room the mount takes changes again without a restart.
/// </summary>
public sealed class FullJournalTests : IDisposable
{
    private const int MiB = 1 << 20;

    // The ring file takes 16 MiB of it up front; the segments get the rest.
    private readonly TmpfsDisk _disk = new("40m");

    public void Dispose() => _disk.Dispose();

    [Fact]
    public void ChangesGetEnospcWhileTheJournalDiskIsFullAndAreTakenAgainOnceThereIsRoom()
    {
        using var mount = JournaledMount.StartWithJournal(Path.Combine(_disk.Path, "journal"));
        var file = Path.Combine(mount.MountPoint, "big");
        var data = new byte[MiB];
        new Random(11).NextBytes(data);

        var fd = Sys.Open(file, LibCConstants.OWrOnly | LibCConstants.OCreat, 0x1A4);
        Assert.True(fd >= 0);
        long accepted = 0;
        var errno = Errno.Success;
        while (errno == Errno.Success && accepted < 64L * MiB)
        {
            var result = LibC.PWrite(fd, data, accepted);
            if (result < 0)
                errno = LibC.LastError();
            else
                accepted += result;
        }
        Assert.Equal(Errno.ENOSPC, errno);
        Assert.True(accepted >= 8 * MiB, $"only {accepted} bytes went in before the journal was full");
        // Its last writes are in the write-ahead ring, not in the store: no fsync can cover them.
        Assert.Equal(-1, LibC.FSync(fd));
        Assert.Equal(Errno.ENOSPC, LibC.LastError());
        LibC.Close(fd);

        var refused = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(mount.MountPoint, "other"), "x"));
        Assert.Contains("No space left on device", refused.Message);
        Assert.False(File.Exists(Path.Combine(mount.Backing, "other")), "a refused create reached the backing directory");
        Assert.Equal(accepted, new FileInfo(Path.Combine(mount.Backing, "big")).Length);
        using (var read = File.OpenRead(file))
        {
            var head = new byte[MiB];
            read.ReadExactly(head);
            Assert.Equal(data, head);
        }
        var full = mount.Status().GetProperty("full");
        Assert.Equal(JsonValueKind.String, full.ValueKind);
        Assert.Contains(".vseg", full.GetString());
        Assert.Contains("No space left on device", full.GetString());
        Assert.Contains("is full: pwrite ", mount.Log);

        _disk.Resize("256m");
        var deadline = Stopwatch.StartNew();
        while (mount.Status().GetProperty("full").ValueKind != JsonValueKind.Null)
            Assert.True(deadline.Elapsed < JournaledMount.Patience, "the mount still refuses changes with room on the journal's disk");
        Assert.Contains("has room again", mount.Log);
        Assert.True(Sys.WriteAt(file, accepted, data, fsync: true));
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "after"), 0, data, fsync: true));
        mount.Unmount();

        var replica = Replay.AssertEqualsBacking(mount);
        Assert.Equal(accepted + MiB, new FileInfo(Path.Combine(replica, "big")).Length);
    }
}
