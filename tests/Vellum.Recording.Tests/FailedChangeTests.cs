using System.Runtime.InteropServices;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A change that fails, or does only part of what it asked, may still change the backing file
/// (a full disk: the write's times move before it fails, a short write lands its first
/// bytes). The journal must say what the backing file then holds, or replicas differ.
/// </summary>
public sealed class FailedChangeTests
{
    private const int ENOSPC = 28;
    private static readonly DateTime LongAgo = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);

    [Fact]
    public void AShortWriteOnAFullDiskIsJournaledAsTheBytesThatLanded()
    {
        using var mount = JournaledMount.StartOnSmallDisk(256 * 1024, SmallDisk.Tmpfs);
        var (shortWrites, errno) = Fill(Path.Combine(mount.MountPoint, "filler"));
        Assert.Equal(ENOSPC, errno);
        Assert.Equal(1, shortWrites);
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void AWriteThatFailsForLackOfSpaceIsJournaledWithTheTimesItMoved()
    {
        using var mount = JournaledMount.StartOnSmallDisk(256 * 1024, SmallDisk.Tmpfs);
        var victim = Path.Combine(mount.MountPoint, "victim");
        File.WriteAllBytes(victim, new byte[4096]);
        File.SetLastWriteTimeUtc(victim, LongAgo);
        Fill(Path.Combine(mount.MountPoint, "filler"));

        // tmpfs, as ext4, updates the file's times before it finds no room.
        var fd = Sys.Open(victim, Sys.OWrOnly, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.Equal(-1, (int)Sys.PWrite(fd, new byte[8192], 8192, 1 << 20));
            Assert.Equal(ENOSPC, Marshal.GetLastPInvokeError());
        }
        finally
        {
            Sys.Close(fd);
        }
        Assert.NotEqual(LongAgo, File.GetLastWriteTimeUtc(Path.Combine(mount.Backing, "victim")));
        mount.Unmount();

        Assert.Contains(JournalReplay.Operations(mount.Journal), o => o.Kind == SubRecordType.SetAttr && o.Path is { } path
            && path.AsSpan().SequenceEqual("victim"u8) && o.Result?.Attributes?.Mtime is not null);
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void AFallocateThatFailsForLackOfSpaceIsJournaledWithTheSizeItLeft()
    {
        using var mount = JournaledMount.StartOnSmallDisk(16 << 20, SmallDisk.Ext4);
        var victim = Path.Combine(mount.MountPoint, "victim");
        File.WriteAllBytes(victim, new byte[4096]);
        File.SetLastWriteTimeUtc(victim, LongAgo);

        // ext4 allocates and grows the file piece by piece, and keeps what it got when space runs out.
        var fd = Sys.Open(victim, Sys.ORdWr, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.Equal(-1, Sys.FAllocate(fd, 0, 0, 64 << 20));
            Assert.Equal(ENOSPC, Marshal.GetLastPInvokeError());
        }
        finally
        {
            Sys.Close(fd);
        }
        Assert.NotEqual(4096, new FileInfo(Path.Combine(mount.Backing, "victim")).Length);
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void AZeroRangeThatFailsForLackOfSpaceIsJournaledWithTheBytesItZeroed()
    {
        using var mount = JournaledMount.StartOnSmallDisk(16 << 20, SmallDisk.Ext4);
        var victim = Path.Combine(mount.MountPoint, "victim");
        var data = new byte[64 * 1024];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(victim, data);
        Fill(Path.Combine(mount.MountPoint, "filler"));

        // ext4 turns the written blocks of the range into zeros, then finds no room for the hole after them.
        var fd = Sys.Open(victim, Sys.ORdWr, 0);
        Assert.True(fd >= 0);
        try
        {
            Assert.Equal(-1, Sys.FAllocate(fd, Sys.FallocZeroRange, 4096, 1 << 20));
            Assert.Equal(ENOSPC, Marshal.GetLastPInvokeError());
        }
        finally
        {
            Sys.Close(fd);
        }
        Assert.NotEqual(data, File.ReadAllBytes(Path.Combine(mount.Backing, "victim")));
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }

    /// <summary>Writes 48 KiB pieces (a disk of 256 KiB holds 5 1/3) until the disk is full: how many were short, and the errno that ended it.</summary>
    private static (int ShortWrites, int Errno) Fill(string path)
    {
        var fd = Sys.Open(path, Sys.OWrOnly | Sys.OCreat, 0x1A4);
        Assert.True(fd >= 0);
        var chunk = new byte[48 * 1024];
        Random.Shared.NextBytes(chunk);
        long offset = 0;
        var shortWrites = 0;
        try
        {
            while (true)
            {
                var written = Sys.PWrite(fd, chunk, (nuint)chunk.Length, offset);
                if (written < 0)
                    return (shortWrites, Marshal.GetLastPInvokeError());
                shortWrites += written < chunk.Length ? 1 : 0;
                offset += written;
            }
        }
        finally
        {
            Sys.Close(fd);
        }
    }

}
