using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.Cli.Tests;

/// <summary>
/// The case, with real processes: two `vellum mirror` on one replica at once left it
/// silently different. Now one is refused, naming the other, and `--verify` / `--rebuild`
/// find and repair a replica changed behind the mirror's back.
/// </summary>
public sealed class MirrorLockTests : IDisposable
{
    private const int Transactions = 600;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-mirror-lock-").FullName;

    public MirrorLockTests()
    {
        Store = Path.Combine(_root, "store");
        Replica = Path.Combine(_root, "replica");
        // Each transaction creates one of 20 files (a create truncates it) and writes it: a
        // transaction applied again after later ones changes the file back. RESULT carries
        // the times a mount records, so two replays agree to the nanosecond.
        using var store = SegmentStore.Open(Store, Journal.Options());
        for (ulong id = 1; id <= Transactions; id++)
        {
            var name = $"f{id % 20}";
            var time = new JournalTimestamp(Journal.BaseSeconds + (long)id, 0);
            var data = System.Text.Encoding.ASCII.GetBytes($"written by transaction {id}\n");
            var create = Journal.Operation(SubRecordType.Create, name, time, new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4 } });
            create.Result = Result(time, 0);
            var write = Journal.Operation(SubRecordType.Write, name, time, new OperationState { Offset = 0, Data = data });
            write.Result = Result(time, (ulong)data.Length);
            store.Commit(Journal.Single(id, create, write));
        }
    }

    private static OperationResult Result(JournalTimestamp time, ulong size) => new()
    {
        DirMtime = time,
        Attributes = new NodeAttributes { Mode = 0x81A4, Uid = 0, Gid = 0, Size = size, Atime = time, Mtime = time },
    };

    private string Store { get; }

    private string Replica { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_mirror_of_a_replica_another_mirror_follows_is_refused_naming_it_and_the_replica_then_verifies()
    {
        using var follower = Vellum.Start("mirror", "--store", Store, "--to", Replica, "--follow");
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Position(Replica) == Transactions, Vellum.Patience), "the following mirror never reached the store's end");

            var second = Vellum.Run("mirror", "--store", Store, "--to", Replica);
            var verify = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--verify");

            Assert.True(second.ExitCode == 3, second.ToString());
            var line = Assert.Single(second.Error);
            Assert.StartsWith($"vellum mirror: the replica {Replica} is in use: pid {follower.Id} (vellum mirror --store {Store} --to {Replica} --follow, running since ", line, StringComparison.Ordinal);
            Assert.EndsWith("applies to it, and a replica takes one writer at a time; wait for that one to end (or stop it), then run again", line, StringComparison.Ordinal);
            Assert.Empty(second.Output);
            Assert.True(verify.ExitCode == 3, verify.ToString());
        }
        finally
        {
            LibC.Kill(follower.Id, LibCConstants.SigTerm);
            Assert.True(follower.WaitForExit(Vellum.Patience));
        }
        Assert.Equal(0, follower.ExitCode);

        var verified = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--verify");
        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Equal([$"{Replica} matches its journal at transaction {Transactions} of journal {Journal.Header.JournalId}"], verified.Output);
    }

    [Fact]
    public void Mirrors_started_together_on_one_replica_leave_it_equal_to_a_fresh_replay()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var replica = Path.Combine(_root, $"race-{attempt}");
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Vellum.Run("mirror", "--store", Store, "--to", replica))).ToArray();
            var results = runs.Select(run => run.GetAwaiter().GetResult()).ToList();

            Assert.All(results, result => Assert.True(result.ExitCode is 0 or 3, result.ToString()));
            Assert.Contains(results, result => result.ExitCode == 0 && result.Output.Single().StartsWith($"applied {Transactions} transactions", StringComparison.Ordinal));
            Assert.All(results.Where(result => result.ExitCode == 3), result =>
                Assert.StartsWith($"vellum mirror: the replica {replica} is in use: pid ", result.Error.Single(), StringComparison.Ordinal));
            var verified = Vellum.Run("mirror", "--store", Store, "--to", replica, "--verify");
            Assert.True(verified.ExitCode == 0, verified.ToString());
        }
    }

    [Fact]
    public void Verify_lists_what_changed_behind_the_mirror_and_rebuild_repairs_it()
    {
        Assert.Equal(0, Vellum.Run("mirror", "--store", Store, "--to", Replica).ExitCode);
        using (var file = File.OpenHandle(Path.Combine(Replica, "f3"), FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(file, "W"u8, 0);
        File.Delete(Path.Combine(Replica, "f4"));
        File.SetUnixFileMode(Path.Combine(Replica, "f5"), UnixFileMode.UserRead);

        var verify = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--verify");

        Assert.True(verify.ExitCode == 2, verify.ToString());
        Assert.Equal($"{Replica} differs from its journal at transaction {Transactions} of journal {Journal.Header.JournalId} in 5 places:", verify.Output[0]);
        // The root's and f3's mtimes moved with the removal and the write.
        Assert.Contains("  .: mtime: expected 1700000600.000000000", verify.Output[1], StringComparison.Ordinal);
        Assert.Contains("  f3: content: expected the journal's bytes, found other bytes from byte 0", verify.Output);
        Assert.Contains("  f4: existence: expected present, found missing", verify.Output);
        Assert.Contains("  f5: mode: expected 0644, found 0400", verify.Output);
        var line = Assert.Single(verify.Error);
        Assert.StartsWith($"vellum mirror: the replica {Replica} differs from a fresh replay of its journal in 5 places: it was changed outside the mirror; rebuild it (", line, StringComparison.Ordinal);
        Assert.EndsWith($" mirror --store {Store} --to {Replica} --rebuild)", line, StringComparison.Ordinal);

        var rebuild = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--rebuild");

        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        Assert.Equal([$"rebuilt {Replica}: at transaction {Transactions} of journal {Journal.Header.JournalId}"], rebuild.Output);
        var verified = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--verify");
        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Equal(["replica", "store"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Verify_and_rebuild_do_not_go_with_follow()
    {
        var result = Vellum.Run("mirror", "--store", Store, "--to", Replica, "--verify", "--rebuild");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("vellum mirror: --follow, --verify and --rebuild do not go together: choose one", Assert.Single(result.Error));
    }

    private static ulong? Position(string replica)
    {
        var value = new byte[MirrorPosition.Size];
        var length = LibC.GetXattr(replica, MirrorPosition.XattrName, value);
        return length == MirrorPosition.Size ? MirrorPosition.Parse(value).TransactionId : null;
    }
}
