using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// The fsync corner cases of btrfs's tree-log (../shared/reference/002: the rename, unlink,
/// link and "rm -rf then fsync the parent" comments). Each runs the steps through a
/// journaled mount, then SIGKILLs the daemon and checks the fsynced state twice: in what a
/// power cut would have left of the journal (the store cut back to the durable position,
/// no ring), replayed from nothing, and in the backing directory after a restart.
/// </summary>
public sealed class FsyncCaseTests
{
    public static TheoryData<string> Cases => ["rename-then-recreate", "rename-then-fsync-new-name", "rm-rf-then-fsync-parent", "link-unlink-then-fsync-dir", "file-in-new-directory", "fdatasync-after-write", "o-sync-write"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheFsyncedStateSurvivesAKillAndAPowerCut(string name)
    {
        using var mount = JournaledMount.Start();
        var m = mount.MountPoint;
        var expectPresent = new Dictionary<string, byte[]?>();
        var expectAbsent = new List<string>();
        switch (name)
        {
            case "rename-then-recreate":
                Directory.CreateDirectory($"{m}/foo/some_dir");
                Directory.CreateDirectory($"{m}/foo2");
                FsyncDirectory(m);
                Directory.Move($"{m}/foo/some_dir", $"{m}/foo2/some_dir");
                Directory.CreateDirectory($"{m}/foo/some_dir");
                Write($"{m}/foo/some_dir/some_file", "data"u8.ToArray(), fsync: true);
                expectPresent["foo2/some_dir"] = null;
                expectPresent["foo/some_dir/some_file"] = "data"u8.ToArray();
                break;
            case "rename-then-fsync-new-name":
                Directory.CreateDirectory($"{m}/dir");
                Directory.CreateDirectory($"{m}/dir2");
                Write($"{m}/dir/x", "x"u8.ToArray(), fsync: true);
                File.Move($"{m}/dir/x", $"{m}/dir2/y");
                Fsync($"{m}/dir2/y");
                expectPresent["dir2/y"] = "x"u8.ToArray();
                expectAbsent.Add("dir/x");
                break;
            case "rm-rf-then-fsync-parent":
                Directory.CreateDirectory($"{m}/f1/foo/deeper");
                Write($"{m}/f1/foo/deeper/bar", "bar"u8.ToArray(), fsync: true);
                Directory.Delete($"{m}/f1/foo", recursive: true);
                FsyncDirectory($"{m}/f1");
                expectPresent["f1"] = null;
                expectAbsent.Add("f1/foo");
                break;
            case "link-unlink-then-fsync-dir":
                Directory.CreateDirectory($"{m}/Y");
                Write($"{m}/Y/X", "X"u8.ToArray(), fsync: false);
                Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, $"{m}/Y/X", LibCConstants.AtFdCwd, $"{m}/Y/X.link"));
                Fsync($"{m}/Y/X");
                File.Delete($"{m}/Y/X");
                FsyncDirectory($"{m}/Y");
                expectPresent["Y/X.link"] = "X"u8.ToArray();
                expectAbsent.Add("Y/X");
                break;
            case "file-in-new-directory":
                Directory.CreateDirectory($"{m}/new/deeper");
                Write($"{m}/new/deeper/file", new byte[70_000], fsync: true);
                expectPresent["new/deeper/file"] = new byte[70_000];
                break;
            case "fdatasync-after-write":
                Write($"{m}/d", "before"u8.ToArray(), fsync: false);
                var fd = Sys.Open($"{m}/d", LibCConstants.OWrOnly, 0);
                Assert.True(fd >= 0);
                Assert.Equal(5, (int)LibC.PWrite(fd, "after"u8.ToArray(), 6));
                Assert.Equal(0, LibC.FDataSync(fd));
                LibC.Close(fd);
                expectPresent["d"] = "beforeafter"u8.ToArray();
                break;
            case "o-sync-write":
                Assert.True(Sys.WriteAt($"{m}/s", 0, "synchronous"u8.ToArray(), fsync: false, extraFlags: LibCConstants.OSync));
                expectPresent["s"] = "synchronous"u8.ToArray();
                break;
        }
        var durable = mount.Status().GetProperty("durable_position").GetInt64();
        mount.Kill();

        // A power cut: the store as far as it was durable, without the write-ahead ring (page cache, gone).
        var cut = Path.Combine(mount.Root, "journal-after-power-cut");
        StoreCut.CopyTo(mount.Journal, durable, cut);
        var replica = Path.Combine(mount.Root, "replica");
        JournalReplay.Into(cut, replica);
        AssertState(replica, expectPresent, expectAbsent, "the durable journal");

        mount.Mount();
        AssertState(mount.Backing, expectPresent, expectAbsent, "the backing directory after restart");
        mount.Unmount();
    }

    private static void AssertState(string root, Dictionary<string, byte[]?> present, List<string> absent, string where)
    {
        foreach (var (path, content) in present)
        {
            var full = Path.Combine(root, path);
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{path} is missing from {where}");
            if (content is not null)
                Assert.Equal(content, File.ReadAllBytes(full));
        }
        foreach (var path in absent)
            Assert.False(Path.Exists(Path.Combine(root, path)), $"{path} should be gone from {where}");
    }

    private static void Write(string path, byte[] data, bool fsync) => Assert.True(Sys.WriteAt(path, 0, data, fsync), $"write {path}");

    private static void Fsync(string path)
    {
        var fd = Sys.Open(path, LibCConstants.OWrOnly, 0);
        Assert.True(fd >= 0, $"open {path}");
        Assert.Equal(0, LibC.FSync(fd));
        LibC.Close(fd);
    }

    private static void FsyncDirectory(string path)
    {
        var fd = Sys.Open(path, 0x10000, 0);
        Assert.True(fd >= 0, $"open {path}");
        Assert.Equal(0, LibC.FSync(fd));
        LibC.Close(fd);
    }
}
