using System.Diagnostics;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Recording.Tests;

/// <summary>
/// The first journaled mount of a directory that already holds data records that data (the
/// baseline) in the background while programs change it, and a journal replayed into an empty
/// directory then reproduces the backing directory: content, types, modes, owners, ns mtimes,
/// xattrs, hard links and holes. Also when the daemon is killed half-way, and then without
/// recording again what it recorded before the kill.
/// </summary>
public sealed class BaselineTests(ITestOutputHelper output)
{
    [Fact]
    public void Several_threads_changing_a_populated_tree_from_the_first_instant_leave_a_journal_that_replays_it_exactly()
    {
        using var mount = JournaledMount.Prepare();
        var tree = ExistingTree.Build(mount.Backing, ExistingTreeShape.Thousands(seed: 19));
        // Slowed down so that the workload is certain to meet objects not recorded yet.
        mount.Mount("--baseline-rate", "16M");
        var workload = new ExistingTreeWorkload(mount.MountPoint, tree, seed: 1);
        BaselineStatus complete;
        using (new BackgroundWorkload(workload, threads: 4))
            complete = mount.WaitForBaseline(b => b.IsComplete, "the baseline's completion");
        mount.Unmount();
        var changesBeforeCompletion = ChangesJournaledBeforeTheBaselineCompleted(mount.Journal);
        output.WriteLine($"tree: {tree.Names} names, {tree.DataBytes >> 20} MiB of data; at completion {complete}; {changesBeforeCompletion} changes journaled before it");
        output.WriteLine($"workload: {workload}");

        Assert.True(changesBeforeCompletion >= 200, $"only {changesBeforeCompletion} changes were journaled before the baseline completed: the workload hardly ran beside it");
        foreach (var kind in new[] { "write", "append", "truncate", "rename-file", "rename-directory", "unlink", "write-large-file", "link" })
            Assert.True(workload.Succeeded.GetValueOrDefault(kind) > 0, $"no {kind} succeeded: {workload}");
        Assert.True(complete.ObjectsDone > tree.Names / 2 && complete.BytesDone > 0, $"the completed baseline of {tree.Names} names reports {complete}");
        Assert.Contains("baseline complete", mount.Log);
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void A_baseline_killed_half_way_resumes_where_it_stopped_and_the_replay_equals_the_backing_directory()
    {
        using var mount = JournaledMount.Prepare();
        var tree = ExistingTree.Build(mount.Backing, ExistingTreeShape.Thousands(seed: 20));
        mount.Mount("--baseline-rate", "2M");
        // Changes cover what they touch at once, whatever the rate (a renamed directory all it
        // holds): changes to a quarter of the tree leave the rest to the rate-held walk.
        var before = new ExistingTreeWorkload(mount.MountPoint, tree, seed: 2, within: "d3");
        BaselineStatus killed;
        using (new BackgroundWorkload(before, threads: 3))
        {
            // A resumable point: bytes recorded, and a manifest saying which objects they were.
            killed = mount.WaitForBaseline(b => b.BytesDone > 0 && ManifestHeader.Read(mount.Journal) is { Entries: > 1, Complete: false }, "a manifest of the baseline half-way");
            mount.Kill();
        }
        var manifest = ManifestHeader.Read(mount.Journal);
        Assert.True(killed.State == BaselineStatus.Running && manifest is { Complete: false }, $"the baseline was not running when killed: {killed}, manifest {manifest}");

        mount.Mount();
        var after = new ExistingTreeWorkload(mount.MountPoint, tree, seed: 3);
        BaselineStatus resumed;
        using (new BackgroundWorkload(after, threads: 3))
            resumed = mount.WaitForBaseline(b => b.IsComplete, "the resumed baseline's completion");
        mount.Unmount();
        output.WriteLine($"killed at {killed}; resumed and completed at {resumed}");
        output.WriteLine($"workload before the kill: {before}; after: {after}");

        Assert.True(resumed.ObjectsTotal < killed.ObjectsTotal,
            $"the second mount's baseline counts {resumed.ObjectsTotal} objects, the killed one {killed.ObjectsTotal} (with {killed.ObjectsDone} done, {manifest!.Value.Entries} in the manifest): it started over");
        Assert.True(after.SucceededCount > 0, $"no change succeeded after the restart: {after}");
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void The_baseline_rate_holds_inside_a_large_file_too()
    {
        const long MiB = 1 << 20;
        const long Rate = 8 * MiB;
        using var mount = JournaledMount.Prepare();
        var data = new byte[MiB];
        var random = new Random(7);
        using (var file = new FileStream(Path.Combine(mount.Backing, "large"), FileMode.CreateNew, FileAccess.Write))
        {
            for (var i = 0; i < 32; i++)
            {
                random.NextBytes(data);
                file.Write(data);
            }
        }
        // Started before the daemon: the daemon's own clock can only show less time gone, so a faster rate.
        var clock = Stopwatch.StartNew();
        mount.Mount("--baseline-rate", "8M");
        var readings = new List<string>();
        var fastest = 0L;
        var complete = mount.WaitForBaseline(b =>
        {
            // One piece of at most 256 KiB may go before the pacer looks at the clock; 2 MiB is a wide margin.
            var allowed = (long)(Rate * clock.Elapsed.TotalSeconds) + 2 * MiB;
            readings.Add($"{clock.Elapsed.TotalSeconds:0.00} s: {b.BytesDone} bytes (allowed {allowed})");
            fastest = Math.Max(fastest, b.BytesDone - allowed);
            return b.IsComplete;
        }, "the baseline's completion");
        var took = clock.Elapsed;
        mount.Unmount();
        output.WriteLine(string.Join('\n', readings));

        Assert.True(fastest <= 0, $"the baseline read {fastest} bytes more than --baseline-rate 8M allows:\n{string.Join('\n', readings)}");
        Assert.True(took.TotalSeconds >= 32.0 / 8 - 0.5, $"32 MiB at 8 MiB/s completed in {took.TotalSeconds:0.0} s");
        Assert.Equal(32 * MiB, complete.BytesDone);
    }

    /// <summary>
    /// The baseline records a file's content through its first name and is then held (1 KiB/s);
    /// a program opens the file by its other name, in a directory the baseline has not listed
    /// yet, and writes: the journal must hold that name before the write. The root holds only
    /// the two directories, renamed until the first name's comes first in the listing order,
    /// which the filesystem decides.
    /// </summary>
    [Fact]
    public void A_write_through_a_second_name_of_a_recorded_file_in_a_directory_not_listed_yet_replays()
    {
        using var mount = JournaledMount.Prepare();
        string At(string relative) => Path.Combine(mount.Backing, relative);
        Directory.CreateDirectory(At("a"));
        File.WriteAllBytes(At("a/f"), new byte[64 * 1024]);
        var second = "b";
        Directory.CreateDirectory(At(second));
        for (var i = 0; Path.GetFileName(Directory.EnumerateFileSystemEntries(mount.Backing).First()) != "a"; i++)
        {
            Directory.Move(At(second), At($"b{i}"));
            second = $"b{i}";
        }
        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, At("a/f"), LibCConstants.AtFdCwd, At($"{second}/link")));
        mount.Mount("--baseline-rate", "1K");
        // a/f's 64 KiB are recorded, and the walk waits a minute before it lists the other directory.
        mount.WaitForBaseline(b => b.BytesDone >= 64 * 1024, "the recording of a/f");

        Assert.True(Sys.WriteAt(Path.Combine(mount.MountPoint, $"{second}/link"), 100, "through the second name"u8.ToArray()));
        mount.Unmount();
        mount.Mount();
        mount.WaitForBaseline();
        mount.Unmount();
        output.WriteLine(JournaledMount.RunVellum("log", mount.Journal).Output);

        Replay.AssertEqualsBacking(mount);
    }

    /// <summary>
    /// A large file's recording pauses between its transactions (here held by the rate), and
    /// changes go on meanwhile: one removes the name being recorded, by an unlink or by a rename
    /// of another file over it. The recording must stop there: a DATA for that path after the
    /// change would reach a replica where the name is gone (the mirror stops: No such file or
    /// directory), or is the other file (its content silently overwritten).
    /// </summary>
    [Theory]
    [InlineData("unlink")]
    [InlineData("rename-over")]
    public void A_name_removed_while_its_large_file_is_being_recorded_gets_no_more_of_the_file_and_the_replay_equals_the_backing(string change)
    {
        const int Size = 3 << 20;
        using var mount = JournaledMount.Prepare();
        Directory.CreateDirectory(Path.Combine(mount.Backing, "big"));
        var data = new byte[Size];
        new Random(5).NextBytes(data);
        File.WriteAllBytes(Path.Combine(mount.Backing, "big", "b0"), data);
        File.WriteAllBytes(Path.Combine(mount.Backing, "big", "other"), "the other file"u8.ToArray());
        // 256 KiB/s: the walk waits about 4 s after each 1 MiB transaction of big/b0.
        mount.Mount("--baseline-rate", "256K");
        var deadline = DateTime.UtcNow + JournaledMount.Patience;
        while (RecordedDataOf(mount.Journal, "big/b0") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the recording of big/b0 did not begin\n{mount.Log}");
            Thread.Sleep(50);
        }

        var b0 = Path.Combine(mount.MountPoint, "big", "b0");
        if (change == "unlink")
            File.Delete(b0);
        else
            File.Move(Path.Combine(mount.MountPoint, "big", "other"), b0, overwrite: true);
        mount.WaitForBaseline();
        mount.Unmount();

        var operations = JournalReplay.Operations(mount.Journal);
        var removal = operations.FindIndex(o => o.Kind is SubRecordType.Unlink or SubRecordType.Rename);
        Assert.True(removal >= 0, $"the journal holds no {change}");
        var before = RecordedData(operations.Take(removal), "big/b0");
        var after = RecordedData(operations.Skip(removal), "big/b0");
        output.WriteLine($"{before} of big/b0's {Size} bytes recorded before the {change}, {after} after it");
        Assert.True(before < Size, $"all {before} bytes of big/b0 were recorded before the {change}: the test did not meet the recording half-way");
        Replay.AssertEqualsBacking(mount);
        Assert.True(after == 0, $"the journal holds {after} bytes of baseline DATA for big/b0 after the {change}");
    }

    private static long RecordedDataOf(string journal, string path) => RecordedData(JournalReplay.Operations(journal), path);

    /// <summary>The bytes of DATA that <paramref name="operations"/>' baseline operations hold for <paramref name="path"/>.</summary>
    private static long RecordedData(IEnumerable<JournalOperation> operations, string path) =>
        operations
            .Where(o => o.Kind == SubRecordType.Baseline && o.Path is { } p && p.AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetBytes(path))
                && ((BaselineFlags)(o.Redo?.Flags ?? 0)).HasFlag(BaselineFlags.Data))
            .Sum(o => o.Redo!.Data?.Length ?? 0);

    /// <summary>Operations other than the baseline's that the journal holds before the baseline's COMPLETE: the changes made while it ran.</summary>
    private static int ChangesJournaledBeforeTheBaselineCompleted(string journal)
    {
        var operations = JournalReplay.Operations(journal);
        var complete = operations.FindIndex(o => o.Kind == SubRecordType.Baseline && ((BaselineFlags)(o.Redo?.Flags ?? 0)).HasFlag(BaselineFlags.Complete));
        Assert.True(complete >= 0, "the journal holds no COMPLETE baseline operation");
        return operations.Take(complete).Count(o => o.Kind != SubRecordType.Baseline);
    }

    /// <summary>The case issue 19 was opened with, as a user types it.</summary>
    [Fact]
    public void An_append_to_a_file_that_was_there_before_the_mount_is_mirrored_by_vellum_mirror_into_an_empty_directory()
    {
        using var mount = JournaledMount.Prepare();
        Directory.CreateDirectory(Path.Combine(mount.Backing, "sub"));
        File.WriteAllText(Path.Combine(mount.Backing, "sub", "old.txt"), "old\n");
        mount.Mount();
        using (var shell = Process.Start("/bin/sh", ["-c", $"echo new >> '{mount.MountPoint}/sub/old.txt'"]))
        {
            shell.WaitForExit();
            Assert.Equal(0, shell.ExitCode);
        }
        mount.Unmount();

        var mirror = Directory.CreateDirectory(Path.Combine(mount.Root, "empty")).FullName;
        File.SetUnixFileMode(mirror, JournalReplay.RootMode);
        var (exitCode, stdout, stderr) = JournaledMount.RunVellum("mirror", "--store", mount.Journal, "--to", mirror);
        Assert.True(exitCode == 0, $"vellum mirror exited with {exitCode}:\n{stdout}{stderr}\n{mount.Log}");
        Assert.Equal("old\nnew\n", File.ReadAllText(Path.Combine(mirror, "sub", "old.txt")));
        TreeComparison.AssertEqual(mount.Backing, mirror);
    }
}
