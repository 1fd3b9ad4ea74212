using System.Diagnostics;
using System.Text.Json;
using Vellum.Host;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `vellum rollback` against ransomware: 2,000 files in a journaled mount (in subdirectories,
/// some sparse, some hard-linked) are overwritten with random bytes and renamed *.locked by
/// another process; the rollback, through the mount, puts every name, byte, mode and mtime
/// back, is itself journaled (a mirror of the journal converges to the same tree) and can be
/// undone by rolling back to the moment just before it.
/// </summary>
public sealed class RollbackTests(ITestOutputHelper output)
{
    private const int Files = 2000;
    private const int Directories = 8;

    private const string Ransomware = """
        import os, sys
        for top, dirs, files in os.walk(sys.argv[1]):
            for name in files:
                path = os.path.join(top, name)
                if os.path.islink(path) or name.endswith('.locked'):
                    continue
                size = os.path.getsize(path)
                with open(path, 'r+b') as f:
                    f.write(os.urandom(max(size, 1)))
                os.rename(path, path + '.locked')
        """;

    [Fact]
    public void A_ransomware_run_is_rolled_back_through_the_mount_name_by_name_and_byte_by_byte_and_the_rollback_itself_can_be_rolled_back()
    {
        using var workspace = new Workspace();
        Populate(workspace.Backing);
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var moment = workspace.Settle(host);
            var clean = TreeComparison.Snapshot(workspace.Backing);

            RunRansomware(workspace.MountPoint);
            workspace.Settle(host);
            Assert.Equal(Files, Directory.EnumerateFiles(workspace.MountPoint, "*.locked", SearchOption.AllDirectories).Count());
            var damaged = TreeComparison.Snapshot(workspace.Backing);

            var dry = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}", "--dry-run");
            Assert.True(dry.ExitCode == 0, dry.ToString());
            var listed = dry.Output.Split('\n').Where(line => line.Length > 2 && line[1] == ' ').ToList();
            Assert.Equal(Files, listed.Count(line => line.StartsWith("A ", StringComparison.Ordinal)));
            Assert.Equal(Files, listed.Count(line => line.StartsWith("D ", StringComparison.Ordinal) && line.EndsWith(".locked", StringComparison.Ordinal)));
            Assert.Contains("nothing was changed", dry.Output, StringComparison.Ordinal);
            RequireEqual(damaged, workspace.Backing, "the dry run changed the tree");

            var subtree = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}", "--path", "dir0", "--json");
            Assert.True(subtree.ExitCode == 0, subtree.ToString());
            var outside = TreeComparison.Compare(damaged, workspace.Backing).Where(d => !d.Path.StartsWith("dir0", StringComparison.Ordinal)).ToList();
            Assert.True(outside.Count == 0, $"the rollback of dir0 changed what is outside it:\n  {string.Join("\n  ", outside.Take(10))}");
            var inside = TreeComparison.Compare(clean, workspace.Backing).Where(d => d.Path.StartsWith("dir0", StringComparison.Ordinal)).ToList();
            Assert.True(inside.Count == 0, $"dir0 is not as it was:\n  {string.Join("\n  ", inside.Take(10))}");
            var partly = TreeComparison.Snapshot(workspace.Backing);

            var clock = Stopwatch.StartNew();
            var rollback = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}", "--json");
            output.WriteLine($"rollback of {Files} files: {clock.Elapsed.TotalSeconds:0.00} s\n{rollback.Error}");
            Assert.True(rollback.ExitCode == 0, rollback.ToString());
            ulong before;
            using (var summary = JsonDocument.Parse(rollback.Output))
            {
                Assert.Equal(moment, summary.RootElement.GetProperty("txid").GetUInt64());
                Assert.Equal(0, summary.RootElement.GetProperty("changedMeanwhile").GetArrayLength());
                before = summary.RootElement.GetProperty("before").GetUInt64();
            }
            RequireEqual(clean, workspace.Backing, "the rollback did not put the tree back");

            var forward = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{before}");
            Assert.True(forward.ExitCode == 0, forward.ToString());
            RequireEqual(partly, workspace.Backing, "rolling back to just before the rollback did not bring back what it replaced");

            var again = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}", "--strict");
            Assert.True(again.ExitCode == 0, again.ToString());
            RequireEqual(clean, workspace.Backing, "the second rollback did not put the tree back");
            var nothing = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}");
            Assert.True(nothing.ExitCode == 0 && nothing.Output.Contains("nothing was changed", StringComparison.Ordinal), nothing.ToString());
            host.Stop();
        }

        var replica = Path.Combine(workspace.Root, "replica");
        var mirror = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica);
        Assert.True(mirror.ExitCode == 0, mirror.ToString());
        RequireEqual(TreeComparison.Snapshot(workspace.Backing), replica, "the mirror of the journal differs from the rolled-back tree");
    }

    [Fact]
    public void A_file_hard_linked_from_outside_the_tree_keeps_its_inode_when_its_bytes_are_the_moments_and_the_outside_name_keeps_its_bytes_when_not()
    {
        // As a `git clone` of a local repository hard-links its objects to the original's.
        using var workspace = new Workspace();
        var outside = Path.Combine(workspace.Root, "outside");
        Directory.CreateDirectory(outside);
        foreach (var name in new[] { "same", "changed" })
        {
            File.WriteAllText(Path.Combine(outside, name), $"{name} as it was\n");
            Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, Path.Combine(outside, name), LibCConstants.AtFdCwd, Path.Combine(workspace.Backing, name)));
        }
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var moment = workspace.Settle(host);
            var inode = InodeAndLinks(Path.Combine(workspace.Backing, "same")).Inode;
            File.WriteAllText(Path.Combine(workspace.MountPoint, "changed"), "changed since\n");
            File.WriteAllText(Path.Combine(workspace.MountPoint, "new"), "made since\n");
            workspace.Settle(host);

            var rollback = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}");

            Assert.True(rollback.ExitCode == 0, rollback.ToString());
            var lines = rollback.Output.Split('\n').Where(line => line.Length > 2 && line[1] == ' ').ToList();
            // "same" is not listed: its bytes are the moment's, so its inode and outside link stay (the root's mtime moved with "new").
            Assert.Equal(["m .", "M changed", "D new"], lines);
            Assert.Equal((inode, 2u), InodeAndLinks(Path.Combine(workspace.Backing, "same")));
            Assert.Equal("changed as it was\n", File.ReadAllText(Path.Combine(workspace.MountPoint, "changed")));
            // The outside name saw the change made through its link, and the rollback leaves it that way.
            Assert.Equal("changed since\n", File.ReadAllText(Path.Combine(outside, "changed")));
            host.Stop();
        }
    }

    [Fact]
    public void A_file_renamed_since_the_moment_is_renamed_back_keeping_its_inode_and_only_rewritten_when_its_bytes_changed()
    {
        using var workspace = new Workspace();
        File.WriteAllText(Path.Combine(workspace.Backing, "report.odt"), "the report as it was\n");
        File.WriteAllText(Path.Combine(workspace.Backing, "notes.txt"), "notes as they were\n");
        File.WriteAllText(Path.Combine(workspace.Backing, "tagged.txt"), "tagged\n");
        Assert.Equal(0, LibC.SetXattr(Path.Combine(workspace.Backing, "tagged.txt"), "user.tag", "as it was"u8, 0));
        File.SetLastWriteTimeUtc(Path.Combine(workspace.Backing, "report.odt"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var report = InodeAndLinks(Path.Combine(workspace.Backing, "report.odt")).Inode;
        var notes = InodeAndLinks(Path.Combine(workspace.Backing, "notes.txt")).Inode;
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var moment = workspace.Settle(host);
            var clean = TreeComparison.Snapshot(workspace.Backing);
            File.WriteAllText(Path.Combine(workspace.MountPoint, "report.odt"), "ENCRYPTED ENCRYPTED!\n");
            File.Move(Path.Combine(workspace.MountPoint, "report.odt"), Path.Combine(workspace.MountPoint, "report.odt.locked"));
            File.Move(Path.Combine(workspace.MountPoint, "notes.txt"), Path.Combine(workspace.MountPoint, "notes.old"));
            Assert.Equal(0, LibC.SetXattr(Path.Combine(workspace.MountPoint, "tagged.txt"), "user.tag", "changed since"u8, 0));
            File.Move(Path.Combine(workspace.MountPoint, "tagged.txt"), Path.Combine(workspace.MountPoint, "tagged.bak"));
            var before = workspace.Settle(host);

            var rollback = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}");

            Assert.True(rollback.ExitCode == 0, rollback.ToString());
            var lines = rollback.Output.Split('\n').Where(line => line.Length > 2 && line[1] == ' ').ToList();
            // Listed as before: the past names made again, the new ones removed.
            Assert.Equal(["m .", "D notes.old", "A notes.txt", "A report.odt", "D report.odt.locked", "D tagged.bak", "A tagged.txt"], lines);
            RequireEqual(clean, workspace.Backing, "the rollback did not put the tree back");
            Assert.Equal((report, 1u), InodeAndLinks(Path.Combine(workspace.Backing, "report.odt")));
            Assert.Equal((notes, 1u), InodeAndLinks(Path.Combine(workspace.Backing, "notes.txt")));
            var log = Vellum.Run("log", workspace.Journal, "--from", $"{before + 1}");
            Assert.True(log.ExitCode == 0, log.ToString());
            Assert.Contains("rename report.odt.locked -> report.odt", log.Output, StringComparison.Ordinal);
            Assert.Contains("rename notes.old -> notes.txt", log.Output, StringComparison.Ordinal);
            Assert.Contains("rename tagged.bak -> tagged.txt", log.Output, StringComparison.Ordinal);
            Assert.Contains("write report.odt", log.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("write notes.txt", log.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("create", log.Output, StringComparison.Ordinal);
            host.Stop();
        }
    }

    [Fact]
    public void A_rollback_removes_the_scratch_directory_a_killed_rollback_left_in_memory_and_no_one_elses()
    {
        using var workspace = new Workspace();
        File.WriteAllText(Path.Combine(workspace.Backing, "file"), "as it was\n");
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        var abandoned = Directory.CreateDirectory($"/dev/shm/.vellum-rollback-{gone.Id}-0badf00d").FullName;
        File.WriteAllText(Path.Combine(abandoned, "past"), "bytes of a killed rollback");
        var running = Directory.CreateDirectory($"/dev/shm/.vellum-rollback-{Environment.ProcessId}-0badf00d").FullName;
        try
        {
            using var host = MountHost.Start(workspace.JournaledMount());
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var moment = workspace.Settle(host);

            var dry = Vellum.Run("rollback", workspace.MountPoint, "--to", $"txid:{moment}", "--dry-run");

            Assert.True(dry.ExitCode == 0, dry.ToString());
            Assert.False(Directory.Exists(abandoned), "the directory of a rollback that no longer runs is still there");
            Assert.True(Directory.Exists(running), "the directory of a process still running was removed");
            host.Stop();
        }
        finally
        {
            foreach (var scratch in new[] { abandoned, running }.Where(Directory.Exists))
                TreeRemoval.Delete(scratch);
        }
    }

    [Fact]
    public void A_mount_without_a_journal_is_refused()
    {
        using var workspace = new Workspace();
        var refused = Vellum.Run("rollback", workspace.MountPoint, "--to", "txid:1");
        Assert.True(refused.ExitCode == 3 && refused.Error.Contains("no journaled vellum mount answers at", StringComparison.Ordinal), refused.ToString());
    }

    /// <summary>2,000 files in 8 directories: every 50th sparse (a hole, then data), every 40th with a hard link beside it; mode 0640 and a fixed mtime on some.</summary>
    private static void Populate(string root)
    {
        var random = new Random(22);
        for (var d = 0; d < Directories; d++)
            Directory.CreateDirectory(Path.Combine(root, $"dir{d}", "inner"));
        var made = 0;
        for (var i = 0; made < Files; i++)
        {
            var path = Path.Combine(root, $"dir{i % Directories}", i % 3 == 0 ? "inner" : "", $"file{i}.txt");
            var bytes = new byte[random.Next(0, 20000)];
            random.NextBytes(bytes);
            using (var file = File.Create(path))
            {
                if (i % 50 == 0)
                    file.Seek(1 << 20, SeekOrigin.Begin);
                file.Write(bytes);
            }
            made++;
            if (i % 7 == 0)
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            if (i % 5 == 0)
                File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i));
            if (i % 40 == 0 && made < Files)
            {
                Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, path, LibCConstants.AtFdCwd, path + ".link"));
                made++;
            }
        }
    }

    private static void RunRansomware(string root)
    {
        using var process = Process.Start(new ProcessStartInfo("python3", ["-c", Ransomware, root]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(Workspace.Patience) && process.ExitCode == 0, $"the ransomware failed: {error}");
    }

    private static unsafe (ulong Inode, uint Links) InodeAndLinks(string path)
    {
        StatxBuffer stat;
        Assert.True(LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) == 0, $"cannot stat {path}: {LibC.LastError().Text}");
        return (stat.Ino, stat.Nlink);
    }

    private static void RequireEqual(TreeSnapshot expected, string directory, string what)
    {
        var differences = TreeComparison.Compare(expected, directory);
        Assert.True(differences.Count == 0, $"{what}: {differences.Count} differences:\n  {string.Join("\n  ", differences.Take(10))}");
    }
}
