using System.Runtime.InteropServices;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Native;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>Every change through a journaled mount is in the journal, in an order that rebuilds the backing directory exactly.</summary>
public sealed class JournaledMountTests
{
    [Fact]
    public void ReplayOfTheJournalAndTheMirrorBothRebuildTheBackingDirectoryAfterARandomWorkload()
    {
        using var mount = JournaledMount.Start();
        var workload = new RandomWorkload(mount.MountPoint, seed: 5);
        workload.Run(threads: 4, operations: 1500);
        mount.Unmount();

        var replica = Path.Combine(mount.Root, "replay");
        var applied = JournalReplay.Into(mount.Journal, replica);
        Assert.True(applied > 1000, $"only {applied} transactions");
        TreeComparison.AssertEqual(mount.Backing, replica);

        var mirror = Directory.CreateDirectory(Path.Combine(mount.Root, "mirror")).FullName;
        File.SetUnixFileMode(mirror, JournalReplay.RootMode);
        var (exitCode, output, error) = JournaledMount.RunVellum("mirror", "--store", mount.Journal, "--to", mirror);
        Assert.True(exitCode == 0, output + error);
        TreeComparison.AssertEqual(mount.Backing, mirror);
    }

    [Fact]
    public void AReversibleJournalKeepsWhatEachChangeDestroyed()
    {
        using var mount = JournaledMount.Start("--reversible");
        var file = Path.Combine(mount.MountPoint, "f");
        Assert.True(Sys.WriteAt(file, 0, "old bytes here"u8.ToArray()));
        Assert.True(Sys.WriteAt(file, 4, "NEW"u8.ToArray()));
        File.WriteAllText(Path.Combine(mount.MountPoint, "victim"), "last words");
        File.Delete(Path.Combine(mount.MountPoint, "victim"));
        mount.Unmount();

        var operations = JournalReplay.Operations(mount.Journal);
        var overwrite = operations.Last(o => o.Kind == SubRecordType.Write && o.Redo?.Offset == 4);
        Assert.Equal("byt"u8.ToArray(), overwrite.Undo!.Data!.Value.ToArray());
        Assert.Equal(14UL, overwrite.Undo.Attributes!.Size);
        var unlink = operations.Single(o => o.Kind == SubRecordType.Unlink);
        Assert.Equal("last words"u8.ToArray(), unlink.Undo!.Data!.Value.ToArray());
    }

    [Fact]
    public void AWriteGetsItsModificationTimeStampedByTheMountAndAnOSyncWriteReadsIt()
    {
        using var mount = JournaledMount.Start();
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "plain"), 0, "stamped"u8.ToArray()));
        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, "synced"), 0, "read"u8.ToArray(), extraFlags: LibCConstants.OSync));
        mount.Unmount();

        var writes = JournalReplay.Operations(mount.Journal).Where(o => o.Kind == SubRecordType.Write).ToDictionary(o => System.Text.Encoding.UTF8.GetString(o.Path!));
        var stamped = writes["plain"].Result!.Attributes!;
        Assert.Null(stamped.Ctime);
        Assert.Equal(ToDateTime(stamped.Mtime!.Value), File.GetLastWriteTimeUtc(Path.Combine(mount.Backing, "plain")));
        var read = writes["synced"].Result!.Attributes!;
        Assert.NotNull(read.Ctime);
        Assert.Equal(ToDateTime(read.Mtime!.Value), File.GetLastWriteTimeUtc(Path.Combine(mount.Backing, "synced")));
    }

    [Fact]
    public unsafe void AnODirectWriteIsJournaledAndTheReplayEqualsTheBackingDirectory()
    {
        using var mount = JournaledMount.Start();
        const int block = 4096;
        var buffer = (byte*)NativeMemory.AlignedAlloc(4 * block, block);
        byte[] expected;
        try
        {
            var data = new Span<byte>(buffer, 4 * block);
            Random.Shared.NextBytes(data);
            expected = data.ToArray();
            var fd = Sys.Open(Path.Combine(mount.MountPoint, "direct"), LibCConstants.ORdWr | LibCConstants.OCreat | LibCConstants.ODirect, 0x1A4);
            Assert.True(fd >= 0, $"open O_DIRECT: errno {LibC.LastError()}");
            try
            {
                Assert.True(LibC.PWrite(fd, data, 0) == data.Length, $"O_DIRECT write: errno {LibC.LastError()}");
            }
            finally
            {
                LibC.Close(fd);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
        mount.Unmount();

        var write = Assert.Single(JournalReplay.Operations(mount.Journal), o => o.Kind == SubRecordType.Write);
        Assert.Equal(expected, write.Redo!.Data!.Value.ToArray());
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void TheWhiteoutARenameLeavesIsReplayedWithTheSourcesOwnerModeAndTimes()
    {
        using var mount = JournaledMount.Start();
        var directory = Directory.CreateDirectory(Path.Combine(mount.MountPoint, "d")).FullName;
        File.WriteAllText(Path.Combine(directory, "old"), "moved");
        Assert.True(LibC.RenameAt2(LibCConstants.AtFdCwd, Path.Combine(directory, "old"), LibCConstants.AtFdCwd, Path.Combine(directory, "new"), LibCConstants.RenameWhiteout) == 0,
            $"renameat2 RENAME_WHITEOUT: errno {LibC.LastError()}");
        mount.Unmount();

        var whiteout = Path.Combine(mount.Backing, "d", "old");
        Assert.True(Path.Exists(whiteout), "the rename left no whiteout");
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(whiteout));
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void AWhiteoutMovedByAnotherWhiteoutRenameIsReplayedAsMoved()
    {
        using var mount = JournaledMount.Start();
        string At(string name) => Path.Combine(mount.MountPoint, name);
        File.WriteAllText(At("first"), "first");
        File.WriteAllText(At("victim"), "replaced by a whiteout");
        Assert.Equal(0, LibC.RenameAt2(LibCConstants.AtFdCwd, At("first"), LibCConstants.AtFdCwd, At("moved"), LibCConstants.RenameWhiteout));
        // The old name holds a whiteout before this rename and after it: only the new name shows it ran.
        Assert.Equal(0, LibC.RenameAt2(LibCConstants.AtFdCwd, At("first"), LibCConstants.AtFdCwd, At("victim"), LibCConstants.RenameWhiteout));
        mount.Unmount();

        Replay.AssertEqualsBacking(mount);
    }

    /// <summary>To .NET's 100 ns resolution, as File.GetLastWriteTimeUtc reports a time.</summary>
    private static DateTime ToDateTime(JournalTimestamp time) =>
        DateTime.UnixEpoch.AddTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
}
