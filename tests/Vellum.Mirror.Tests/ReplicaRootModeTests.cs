using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror.Tests;

/// <summary>
/// A replica's root is never wider open than its source's: 0700, owned by the mirror's user,
/// until the journal records the source root's mode and owner, and then exactly those; a
/// replica root widened by hand is narrowed again by the next root change, found by verify and
/// made afresh by rebuild.
/// </summary>
public sealed class ReplicaRootModeTests : IDisposable
{
    private const uint Private = 0x1C0;
    private const uint Directory0750 = 0x4000 | 0x1E8;

    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void A_journal_silent_on_its_root_leaves_a_new_replica_root_0700_owned_by_the_mirrors_user_narrows_a_wider_empty_one_and_rebuilds_one_0700()
    {
        using (var journal = new JournalBuilder(_work.Store))
            Scenarios.EveryKind(new SourceTree(_work.Source, journal));
        var wide = Path.Combine(_work.Root, "wide");
        Directory.CreateDirectory(wide);
        File.SetUnixFileMode(wide, (UnixFileMode)0x1FF);

        foreach (var replica in new[] { _work.Replica, wide })
        {
            using var mirror = MirrorRunner.Open(_work.Store, replica);
            Assert.Equal((Private, LibC.GetEuid()), ModeAndOwner(replica));
            mirror.CatchUp();
            Assert.Equal((Private, LibC.GetEuid()), ModeAndOwner(replica));
        }

        // As an earlier version left a replica of such a journal: its root widened, and no
        // root change ahead to narrow it. Verify has nothing to compare it with; rebuild makes it afresh.
        File.SetUnixFileMode(_work.Replica, (UnixFileMode)0x1FF);
        Assert.True(ReplicaVerification.Run(_work.Store, _work.Replica).IsEqual);
        ReplicaRebuild.Run(_work.Store, _work.Replica);
        Assert.Equal((Private, LibC.GetEuid()), ModeAndOwner(_work.Replica));
    }

    [Fact]
    public void The_journals_root_mode_and_owner_reach_the_replica_root_verify_finds_it_widened_by_hand_and_rebuild_narrows_it()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(JournalBuilder.Operation(SubRecordType.Mkdir, "d", redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x4000 | 0x1ED } }));
            journal.Commit(JournalBuilder.Operation(SubRecordType.SetAttr, "", redo: new OperationState { Attributes = new NodeAttributes { Mode = Directory0750, Uid = 1234, Gid = 1234 } }));
        }
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();
        Assert.Equal((0x1E8u, 1234u), ModeAndOwner(_work.Replica));

        File.SetUnixFileMode(_work.Replica, (UnixFileMode)0x1FF);
        var verification = ReplicaVerification.Run(_work.Store, _work.Replica);
        Assert.Contains(".: mode: expected 0750, found 0777", verification.Differences.Select(difference => difference.ToString()));

        ReplicaRebuild.Run(_work.Store, _work.Replica);
        Assert.Equal((0x1E8u, 1234u), ModeAndOwner(_work.Replica));
        // These operations carry no times, so only the root's mode and owner compare alike.
        Assert.DoesNotContain(ReplicaVerification.Run(_work.Store, _work.Replica).Differences, difference => difference.Path == "." && difference.Field is "mode" or "owner");
    }

    private static (uint Mode, uint Uid) ModeAndOwner(string path)
    {
        var stat = Sys.Lstat(path);
        return (stat.Mode & 0xFFF, stat.Uid);
    }
}
