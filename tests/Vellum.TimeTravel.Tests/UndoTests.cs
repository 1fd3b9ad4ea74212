using System.Diagnostics;
using System.Text.Json;
using Vellum.Host;
using Vellum.Mirror;
using Vellum.Testing;
using Vellum.TimeTravel.Undo;
using Xunit.Abstractions;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `vellum undo` against what really happened: a workload of every kind of change through a
/// reversible journaled mount of a populated tree is paused at ten moments and the backing
/// tree recorded at each (names, types, modes, owners, ns mtimes, xattrs, content, holes, hard
/// links); a mirror of the whole journal is then undone to each moment, newest first, and must
/// equal what was recorded, and a mirror run afterwards brings it forward to the final tree.
/// </summary>
public sealed class UndoTests(ITestOutputHelper output)
{
    private const int Moments = 10;

    private sealed record RecordedMoment(ulong TransactionId, TreeSnapshot Tree);

    [Fact]
    public void A_mirror_undone_to_each_of_ten_moments_of_a_workload_equals_its_recorded_tree_and_mirroring_again_reaches_the_final_tree()
    {
        using var workspace = new Workspace();
        var tree = ExistingTree.Build(workspace.Backing, ExistingTreeShape.Small(seed: 9));
        var moments = new List<RecordedMoment>();
        using (var host = MountHost.Start(Reversible(workspace)))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var workload = new ExistingTreeWorkload(workspace.MountPoint, tree, seed: 11);
            for (var round = 0; round < Moments; round++)
            {
                workload.Run(threads: 3, operations: 40);
                var id = workspace.Settle(host);
                moments.Add(new RecordedMoment(id, TreeComparison.Snapshot(workspace.Backing)));
            }
            output.WriteLine($"workload: {workload}");
            output.WriteLine($"moments: {string.Join(", ", moments.Select(m => m.TransactionId))}");
            Assert.True(moments.Select(m => m.TransactionId).Distinct().Count() == Moments, "two moments are the same transaction");
            host.Stop();
        }
        var final = TreeComparison.Snapshot(workspace.Backing);
        var replica = Path.Combine(workspace.Root, "replica");
        var mirrored = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica);
        Assert.True(mirrored.ExitCode == 0, mirrored.ToString());
        RequireEqual(final, replica, "the mirror of the whole journal");

        // A moment's transaction id may be one that aborted: it names the state after the last committed one before it.
        var timeline = StoreTimeline.Read(workspace.Journal);
        var resolved = moments.Select(m => timeline.Resolve(Moment.Parse($"txid:{m.TransactionId}"), DateTimeOffset.Now).TransactionId).ToList();
        for (var i = moments.Count - 1; i >= 0; i--)
        {
            var moment = moments[i];
            if (i == moments.Count / 2)
            {
                // The program itself, once: what it resolved to, what it undid, in JSON.
                var undone = Vellum.Run("undo", "--store", workspace.Journal, "--mirror", replica, "--to", $"txid:{moment.TransactionId}", "--json");
                output.WriteLine(undone.ToString());
                Assert.True(undone.ExitCode == 0, undone.ToString());
                using var summary = JsonDocument.Parse(undone.Output);
                Assert.Equal(resolved[i], summary.RootElement.GetProperty("txid").GetUInt64());
                Assert.Equal(resolved[i + 1], summary.RootElement.GetProperty("from_txid").GetUInt64());
                Assert.True(summary.RootElement.GetProperty("transactions").GetInt64() > 0, undone.ToString());
                Assert.Contains($"--to txid:{moment.TransactionId} is txid:{resolved[i]} (", undone.Error, StringComparison.Ordinal);
            }
            else
            {
                var summary = MirrorUndo.Run(workspace.Journal, replica, Moment.Parse($"txid:{moment.TransactionId}"), DateTimeOffset.Now);
                Assert.Equal(resolved[i], summary.Moment.TransactionId);
                output.WriteLine($"undone to txid:{moment.TransactionId}: {summary.Transactions} transactions in {summary.Elapsed.TotalSeconds:0.00} s");
            }
            RequireEqual(moment.Tree, replica, $"the replica undone to txid:{moment.TransactionId}");
            Assert.Equal(resolved[i], PositionOf(replica));
        }

        var forward = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica);
        Assert.True(forward.ExitCode == 0, forward.ToString());
        RequireEqual(final, replica, "the replica mirrored forward again after the undos");
    }

    [Fact]
    public void Renames_over_names_exchanges_devices_symlinks_hard_links_and_the_roots_attributes_are_undone_exactly()
    {
        using var workspace = new Workspace();
        TreeSnapshot then;
        ulong moment;
        using (var host = MountHost.Start(Reversible(workspace)))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var k = Directory.CreateDirectory(Path.Combine(workspace.MountPoint, "k")).FullName;
            File.WriteAllText(Path.Combine(k, "victim"), "the file a rename replaces\n");
            Assert.Equal(0, Native.LibC.SetXattr(Path.Combine(k, "victim"), "user.kept", "by the victim"u8, 0));
            File.WriteAllText(Path.Combine(k, "mover"), "moved over it\n");
            Assert.Equal(0, Native.LibC.LinkAt(Native.LibCConstants.AtFdCwd, Path.Combine(k, "mover"), Native.LibCConstants.AtFdCwd, Path.Combine(k, "mover-link")));
            File.WriteAllText(Path.Combine(k, "left"), "left\n");
            File.WriteAllText(Path.Combine(k, "right"), "right, longer\n");
            Assert.Equal(0, Native.LibC.MknodAt(Native.LibCConstants.AtFdCwd, Path.Combine(k, "fifo"), Native.LibCConstants.SIfIfo | 0x1A4, 0));
            Assert.Equal(0, Native.LibC.MknodAt(Native.LibCConstants.AtFdCwd, Path.Combine(k, "null"), Native.LibCConstants.SIfChr | 0x1B6, 0x103));
            File.CreateSymbolicLink(Path.Combine(k, "symlink"), "victim");
            var withXattr = Directory.CreateDirectory(Path.Combine(k, "empty-with-xattr")).FullName;
            Assert.Equal(0, Native.LibC.SetXattr(withXattr, "user.dir", "kept too"u8, 0));
            using (var sparse = File.OpenHandle(Path.Combine(k, "sparse"), FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.SetLength(sparse, 4 << 20);
                RandomAccess.Write(sparse, "data in the middle of holes"u8, 2 << 20);
            }
            Assert.Equal(0, Native.LibC.SetXattr(workspace.MountPoint, "user.root", "the root's"u8, 0));
            moment = workspace.Settle(host);
            then = TreeComparison.Snapshot(workspace.Backing);

            Assert.Equal(0, Native.LibC.RenameAt2(Native.LibCConstants.AtFdCwd, Path.Combine(k, "mover"), Native.LibCConstants.AtFdCwd, Path.Combine(k, "victim"), 0));
            Assert.Equal(0, Native.LibC.RenameAt2(Native.LibCConstants.AtFdCwd, Path.Combine(k, "left"), Native.LibCConstants.AtFdCwd, Path.Combine(k, "right"), Native.LibCConstants.RenameExchange));
            foreach (var name in new[] { "fifo", "null", "symlink", "sparse", "mover-link" })
                File.Delete(Path.Combine(k, name));
            Directory.Delete(withXattr);
            File.SetUnixFileMode(workspace.MountPoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.Equal(0, Native.LibC.RemoveXattr(workspace.MountPoint, "user.root"));
            Directory.SetLastWriteTimeUtc(k, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            workspace.Settle(host);
            host.Stop();
        }
        var replica = Path.Combine(workspace.Root, "replica");
        Assert.Equal(0, Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica).ExitCode);
        var summary = MirrorUndo.Run(workspace.Journal, replica, Moment.Parse($"txid:{moment}"), DateTimeOffset.Now);
        Assert.True(summary.Transactions >= 10, $"undid {summary.Transactions} transactions");
        RequireEqual(then, replica, $"the replica undone to txid:{moment}");
        Assert.Equal(moment, PositionOf(replica));
    }

    [Fact]
    public void A_journal_mounted_without_reversible_is_refused_naming_the_transaction_without_undo_and_the_replica_is_left_as_it_was()
    {
        using var workspace = new Workspace();
        ulong before;
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            File.WriteAllText(Path.Combine(workspace.MountPoint, "report.txt"), "the first draft\n");
            Directory.CreateDirectory(Path.Combine(workspace.MountPoint, "made"));
            before = workspace.Settle(host);
            File.WriteAllText(Path.Combine(workspace.MountPoint, "report.txt"), "overwritten\n");
            workspace.Settle(host);
            host.Stop();
        }
        var replica = Path.Combine(workspace.Root, "replica");
        var mirrored = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica);
        Assert.True(mirrored.ExitCode == 0, mirrored.ToString());
        var position = PositionOf(replica);
        var was = TreeComparison.Snapshot(replica);

        var refused = Vellum.Run("undo", "--store", workspace.Journal, "--mirror", replica, "--to", $"txid:{before}");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"transaction {before + 1} (setattr of report.txt", refused.Error, StringComparison.Ordinal);
        Assert.Contains("has no UNDO", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--reversible", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"restore {workspace.Journal} --at txid:{before} --to DIR", refused.Error, StringComparison.Ordinal);
        Assert.Empty(TreeComparison.Compare(was, replica));
        Assert.Equal(position, PositionOf(replica));

        var early = Vellum.Run("undo", "--store", workspace.Journal, "--mirror", replica, "--to", "txid:1");
        Assert.True(early.ExitCode == 1 && early.Error.Contains("before the journal's baseline completed", StringComparison.Ordinal), early.ToString());
        Assert.Equal(position, PositionOf(replica));
    }

    [Fact]
    public void Undo_is_refused_while_a_mirror_holds_the_replica_and_a_mirror_is_refused_while_an_undo_is_unfinished()
    {
        using var workspace = new Workspace();
        ulong before;
        using (var host = MountHost.Start(Reversible(workspace)))
        {
            Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            File.WriteAllText(Path.Combine(workspace.MountPoint, "a"), "a\n");
            before = workspace.Settle(host);
            File.Delete(Path.Combine(workspace.MountPoint, "a"));
            workspace.Settle(host);
            host.Stop();
        }
        var replica = Path.Combine(workspace.Root, "replica");
        Assert.Equal(0, Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica).ExitCode);
        var position = PositionOf(replica);

        using (var follower = StartMirrorFollowing(workspace.Journal, replica))
        {
            try
            {
                Assert.True(Poll.Until(() => !LockIsFree(replica), Workspace.Patience), "the following mirror never took the replica's lock");
                var refused = Vellum.Run("undo", "--store", workspace.Journal, "--mirror", replica, "--to", $"txid:{before}");
                Assert.True(refused.ExitCode == 3, refused.ToString());
                Assert.Contains($"the replica {Path.GetFullPath(replica)} is in use", refused.Error, StringComparison.Ordinal);
                Assert.Contains($"pid {follower.Id}", refused.Error, StringComparison.Ordinal);
                Assert.Equal(position, PositionOf(replica));
            }
            finally
            {
                follower.Kill();
                follower.WaitForExit();
            }
        }

        // An undo cut short leaves its mark: a mirror refuses the replica until it is rebuilt.
        Assert.Equal(0, Native.LibC.SetXattr(replica, "user.vellum.undo", System.Text.Encoding.UTF8.GetBytes($"from txid:{position} to txid:{before}"), 0));
        var mirror = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica);
        Assert.True(mirror.ExitCode == 2 && mirror.Error.Contains("in the middle of an undo", StringComparison.Ordinal) && mirror.Error.Contains("--rebuild", StringComparison.Ordinal), mirror.ToString());
        var rebuilt = Vellum.Run("mirror", "--store", workspace.Journal, "--to", replica, "--rebuild");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        var undone = Vellum.Run("undo", "--store", workspace.Journal, "--mirror", replica, "--to", $"txid:{before}");
        Assert.True(undone.ExitCode == 0, undone.ToString());
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(replica, "a")));
    }

    private static MountHostOptions Reversible(Workspace workspace)
    {
        var options = workspace.JournaledMount();
        return options with { Journal = options.Journal! with { Reversible = true } };
    }

    private static void RequireEqual(TreeSnapshot expected, string directory, string what)
    {
        var differences = TreeComparison.Compare(expected, directory);
        Assert.True(differences.Count == 0, $"{what} differs in {differences.Count} places:\n  {string.Join("\n  ", differences.Take(15))}");
    }

    private static ulong PositionOf(string replica)
    {
        var value = new byte[MirrorPosition.Size];
        Assert.Equal(MirrorPosition.Size, (int)Native.LibC.GetXattr(replica, MirrorPosition.XattrName, value));
        return MirrorPosition.Parse(value).TransactionId;
    }

    private static bool LockIsFree(string replica)
    {
        try
        {
            using var held = ReplicaLock.Acquire(replica);
            return true;
        }
        catch (ReplicaLockedException)
        {
            return false;
        }
    }

    private static Process StartMirrorFollowing(string store, string replica)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "vellum.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        return Process.Start(new ProcessStartInfo(host, ["exec", program, "mirror", "--store", store, "--to", replica, "--follow"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
    }
}
