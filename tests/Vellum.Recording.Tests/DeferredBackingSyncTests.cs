using System.Text;
using Vellum.Native;

namespace Vellum.Recording.Tests;

/// <summary>
/// fsyncs the journal answers alone (DeferredBackingSyncs): a file's first fsync syncs the
/// backing file and registers it; its next ones leave the backing file to the checkpoint. A
/// power cut is played by what it can do and what a test can: the daemon is SIGKILLed, the
/// backing files are cut back to what their last real sync made durable, and the table is
/// marked as written in another boot. The restart must redo the rest from the journal.
/// </summary>
public sealed class DeferredBackingSyncTests
{
    [Fact]
    public void FsyncsTheJournalAnsweredAreRedoneOnTheBackingFilesAfterAPowerCut()
    {
        // An hour between checkpoints: none runs during the test, so nothing but the redo can
        // bring back what the cut takes.
        using var mount = JournaledMount.Start("--defer-backing-sync", "3600");
        var m = mount.MountPoint;
        var kept = Sys.Open($"{m}/kept", LibCConstants.OWrOnly | LibCConstants.OCreat, 0b110_100_100);
        var moved = Sys.Open($"{m}/moved", LibCConstants.OWrOnly | LibCConstants.OCreat, 0b110_100_100);
        Assert.True(kept >= 0 && moved >= 0);
        try
        {
            Append(kept, 0, "first");
            Append(moved, 0, "one");
            Assert.Equal(0, LibC.FSync(kept));
            Assert.Equal(0, LibC.FSync(moved));
            Append(kept, 5, "second");
            Assert.Equal(0, LibC.FSync(kept));
            Append(kept, 11, "third");
            Assert.Equal(0, LibC.FDataSync(kept));
            Append(moved, 3, "two");
            Assert.Equal(0, LibC.FSync(moved));
        }
        finally
        {
            LibC.Close(kept);
            LibC.Close(moved);
        }
        // Renamed after its fsyncs and never synced since: the redo finds it by file handle.
        File.Move($"{m}/moved", $"{m}/renamed");

        var status = mount.Status();
        Assert.Equal(3, status.GetProperty("fsyncs_answered_by_journal").GetInt64());
        Assert.Equal(2, status.GetProperty("deferred_files").GetInt32());
        var table = Path.Combine(mount.Journal, DeferredSyncTable.FileName);
        var listed = DeferredSyncTable.Read(table)!.Value.Entries;
        Assert.Equal(
            new[] { InodeOf($"{mount.Backing}/kept"), InodeOf($"{mount.Backing}/renamed") }.Order(),
            listed.Select(entry => entry.Inode).Order());
        mount.Kill();

        CutBack($"{mount.Backing}/kept", 5);
        CutBack($"{mount.Backing}/renamed", 3);
        using (var file = new FileStream(table, FileMode.Open, FileAccess.Write))
        {
            file.Position = DeferredSyncTable.BootIdOffset;
            file.Write(Guid.NewGuid().ToByteArray());
        }
        mount.Mount();

        Assert.Contains("the machine restarted since the last mount: redid 5 change(s) from the journal on 2 of 2 file(s)", mount.LastJournalLine);
        Assert.Equal("firstsecondthird", File.ReadAllText($"{mount.Backing}/kept"));
        Assert.Equal("onetwo", File.ReadAllText($"{mount.Backing}/renamed"));
        Assert.False(File.Exists(table) && DeferredSyncTable.Read(table)!.Value.Entries.Count > 0, "the redo leaves a table of files to redo behind");

        Assert.True(Sys.WriteAt($"{m}/kept", 16, "fourth"u8.ToArray(), fsync: true));
        Assert.True(Sys.WriteAt($"{m}/kept", 22, "fifth"u8.ToArray(), fsync: true));
        Assert.Single(DeferredSyncTable.Read(table)!.Value.Entries);
        Assert.Equal(1, mount.Status().GetProperty("fsyncs_answered_by_journal").GetInt64());
        mount.Unmount();
        Assert.Empty(DeferredSyncTable.Read(table)!.Value.Entries);
        Assert.Equal("firstsecondthirdfourthfifth", File.ReadAllText($"{mount.Backing}/kept"));
    }

    [Fact]
    public void OnlyAChangeOfTheFilesOwnNamesOrADirectoryMoveSendsItsFsyncBackToTheBackingFile()
    {
        using var mount = JournaledMount.Start("--defer-backing-sync", "3600");
        var m = mount.MountPoint;
        Directory.CreateDirectory($"{m}/dir");
        var offset = 0L;
        long AppendAndFsync(string path)
        {
            Assert.True(Sys.WriteAt(path, offset++, "x"u8.ToArray(), fsync: true), $"write and fsync {path}");
            return mount.Status().GetProperty("fsyncs_answered_by_journal").GetInt64();
        }

        Assert.Equal(0, AppendAndFsync($"{m}/dir/f"));
        Assert.Equal(1, AppendAndFsync($"{m}/dir/f"));

        // Another file's names: f's are untouched.
        File.WriteAllText($"{m}/other", "o");
        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, $"{m}/other", LibCConstants.AtFdCwd, $"{m}/other.link"));
        File.Move($"{m}/other", $"{m}/other.moved");
        File.Delete($"{m}/other.link");
        Assert.Equal(2, AppendAndFsync($"{m}/dir/f"));

        // f's own name.
        File.Move($"{m}/dir/f", $"{m}/dir/g");
        Assert.Equal(2, AppendAndFsync($"{m}/dir/g"));
        Assert.Equal(3, AppendAndFsync($"{m}/dir/g"));

        // A name f now lives under.
        Directory.Move($"{m}/dir", $"{m}/moved-dir");
        Assert.Equal(3, AppendAndFsync($"{m}/moved-dir/g"));
        Assert.Equal(4, AppendAndFsync($"{m}/moved-dir/g"));
        mount.Unmount();
    }

    [Fact]
    public void AFileFsyncedOnceCostsNoTableWriteAndItsSecondFsyncListsIt()
    {
        using var mount = JournaledMount.Start("--defer-backing-sync", "3600");
        for (var i = 0; i < 3; i++)
            Assert.True(Sys.WriteAt($"{mount.MountPoint}/once{i}", 0, "a"u8.ToArray(), fsync: true));
        var table = Path.Combine(mount.Journal, DeferredSyncTable.FileName);
        Assert.Empty(DeferredSyncTable.Read(table)!.Value.Entries);
        Assert.Equal(0, mount.Status().GetProperty("deferred_files").GetInt32());

        Assert.True(Sys.WriteAt($"{mount.MountPoint}/once1", 1, "b"u8.ToArray(), fsync: true));
        Assert.Equal(InodeOf($"{mount.Backing}/once1"), Assert.Single(DeferredSyncTable.Read(table)!.Value.Entries).Inode);
        Assert.Equal(1, mount.Status().GetProperty("fsyncs_answered_by_journal").GetInt64());
        mount.Unmount();
    }

    [Fact]
    public void TheCheckpointSyncsTheBackingFilesAndForgetsTheIdleOnes()
    {
        using var mount = JournaledMount.Start("--defer-backing-sync", "0.1");
        Assert.True(Sys.WriteAt($"{mount.MountPoint}/f", 0, "a"u8.ToArray(), fsync: true));
        Assert.True(Sys.WriteAt($"{mount.MountPoint}/f", 1, "b"u8.ToArray(), fsync: true));
        // The first checkpoint syncs f and keeps it (an fsync used it); the next forgets it.
        var deadline = DateTime.UtcNow + JournaledMount.Patience;
        while (mount.Status().GetProperty("deferred_files").GetInt32() > 0)
            Assert.True(DateTime.UtcNow < deadline, "no checkpoint forgot the idle file");
        Assert.Empty(DeferredSyncTable.Read(Path.Combine(mount.Journal, DeferredSyncTable.FileName))!.Value.Entries);
        mount.Unmount();
    }

    [Fact]
    public void WithDeferralZeroEveryFsyncSyncsTheBackingFile()
    {
        using var mount = JournaledMount.Start("--defer-backing-sync", "0");
        Assert.True(Sys.WriteAt($"{mount.MountPoint}/f", 0, "a"u8.ToArray(), fsync: true));
        Assert.True(Sys.WriteAt($"{mount.MountPoint}/f", 1, "b"u8.ToArray(), fsync: true));
        Assert.Equal(0, mount.Status().GetProperty("fsyncs_answered_by_journal").GetInt64());
        Assert.False(File.Exists(Path.Combine(mount.Journal, DeferredSyncTable.FileName)));
        mount.Unmount();
    }

    [Fact]
    public void AnEntryCutShortByACrashEndsTheTable()
    {
        var directory = Directory.CreateTempSubdirectory("vellum-deferred-").FullName;
        try
        {
            var path = Path.Combine(directory, DeferredSyncTable.FileName);
            using (var table = DeferredSyncTable.Create(path, [new DeferredSync(7, 100, [1, 2, 3, 4, 5, 6, 7, 8, 9])]))
                table.Append(new DeferredSync(8, 200, [9, 8, 7, 6, 5, 4, 3, 2, 1]));
            var whole = File.ReadAllBytes(path);
            File.WriteAllBytes(path, whole[..^1]);
            var read = DeferredSyncTable.Read(path)!.Value;
            Assert.Equal(Fifo.BootId.Current(), read.BootId);
            var entry = Assert.Single(read.Entries);
            Assert.Equal((7UL, 100UL), (entry.Inode, entry.FromTransactionId));
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, entry.Handle);

            whole[DeferredSyncTable.HeaderSize + 10] ^= 1;
            File.WriteAllBytes(path, whole);
            Assert.Empty(DeferredSyncTable.Read(path)!.Value.Entries);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Append(int fd, long offset, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.Equal(bytes.Length, (int)LibC.PWrite(fd, bytes, offset));
    }

    private static ulong InodeOf(string path) => Passthrough.BackingInspection.StatPath(Encoding.UTF8.GetBytes(path), out var stat) == Errno.Success ? stat.Ino : 0;

    /// <summary>What a power cut may leave of a file whose last sync saw <paramref name="length"/> bytes.</summary>
    private static void CutBack(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(length);
    }
}
