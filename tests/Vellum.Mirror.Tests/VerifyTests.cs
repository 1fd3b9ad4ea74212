using Vellum.Testing;

namespace Vellum.Mirror.Tests;

/// <summary>`vellum mirror --verify` and `--rebuild`: a replica changed behind the mirror's back is found, and made again.</summary>
public sealed class VerifyTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string Replica(string path) => Path.Combine(_work.Replica, path);

    /// <summary>A journal of every kind of operation and a busy stretch after it, mirrored.</summary>
    private void MirrorEveryKind()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            var source = new SourceTree(_work.Source, journal);
            Scenarios.EveryKind(source);
            Scenarios.Busy(source, 60);
        }
        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        mirror.CatchUp();
    }

    [Fact]
    public void An_intact_replica_verifies_equal_at_its_position_and_nothing_is_left_beside_it()
    {
        MirrorEveryKind();

        var verification = ReplicaVerification.Run(_work.Store, _work.Replica);

        Assert.True(verification.IsEqual, string.Join('\n', verification.Differences));
        Assert.Equal(StoreReading.Position(_work.Replica), verification.Position);
        _work.AssertNothingEscaped();
    }

    [Fact]
    public void A_changed_byte_a_removed_file_a_changed_mode_and_an_added_xattr_are_found_with_their_paths()
    {
        MirrorEveryKind();
        var files = Directory.EnumerateFiles(_work.Replica, "*", SearchOption.AllDirectories)
            .Select(file => new FileInfo(file))
            .Where(info => info.LinkTarget is null && info.Length > 10)
            .Select(info => Path.GetRelativePath(_work.Replica, info.FullName))
            .Order(StringComparer.Ordinal)
            .ToList();
        var (changed, removed, chmodded) = (files[0], files[1], files[2]);
        using (var file = File.OpenHandle(Replica(changed), FileMode.Open, FileAccess.ReadWrite))
        {
            var one = new byte[1];
            RandomAccess.Read(file, one, 5);
            one[0] ^= 0x01;
            RandomAccess.Write(file, one, 5);
        }
        File.Delete(Replica(removed));
        File.SetUnixFileMode(Replica(chmodded), File.GetUnixFileMode(Replica(chmodded)) ^ UnixFileMode.OtherExecute);
        Sys.SetXattr(Replica(chmodded), "user.added", "by hand"u8.ToArray());

        var verification = ReplicaVerification.Run(_work.Store, _work.Replica);

        Assert.False(verification.IsEqual);
        var found = verification.Differences.Select(difference => (difference.Path, difference.Field)).ToList();
        Assert.Contains((changed, "content"), found);
        Assert.Contains(verification.Differences, difference => difference is { Field: "content", Found: "other bytes from byte 5" } && difference.Path == changed);
        Assert.Contains((removed, "existence"), found);
        Assert.Contains((chmodded, "mode"), found);
        Assert.Contains(new ReplicaDifference(chmodded, "xattr user.added", "(none)", "\"by hand\""), verification.Differences);
        Assert.Equal(verification.Differences.Count, verification.DifferenceCount);
        _work.AssertNothingEscaped();
    }

    /// <summary>The root's mtime (moved by the new names) comes first, then the names in order.</summary>
    [Fact]
    public void Only_the_first_differences_are_kept_and_all_are_counted()
    {
        MirrorEveryKind();
        for (var i = 0; i < 5; i++)
            File.WriteAllText(Replica($"stray-{i}"), "not from the journal");

        var verification = ReplicaVerification.Run(_work.Store, _work.Replica, shown: 2);

        Assert.Equal(2, verification.Differences.Count);
        Assert.Equal(6, verification.DifferenceCount);
        Assert.Equal((".", "mtime"), (verification.Differences[0].Path, verification.Differences[0].Field));
        Assert.Equal(new ReplicaDifference("stray-0", "existence", "absent", "present"), verification.Differences[1]);
    }

    [Fact]
    public void Verify_replays_only_up_to_the_replica_position_so_a_replica_behind_its_store_is_equal()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            var source = new SourceTree(_work.Source, journal);
            Scenarios.Busy(source, 30);
            using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
                mirror.CatchUp();
            Scenarios.Busy(source, 30);
        }

        Assert.True(ReplicaVerification.Run(_work.Store, _work.Replica).IsEqual);
    }

    [Fact]
    public void Rebuild_repairs_a_changed_replica_in_place_and_verify_then_passes()
    {
        MirrorEveryKind();
        var position = StoreReading.Position(_work.Replica);
        File.Delete(Directory.GetFiles(_work.Replica, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First());
        File.WriteAllText(Replica("stray"), "not from the journal");
        Assert.False(ReplicaVerification.Run(_work.Store, _work.Replica).IsEqual);

        var rebuilt = ReplicaRebuild.Run(_work.Store, _work.Replica);

        Assert.Equal(position, rebuilt);
        Assert.True(ReplicaVerification.Run(_work.Store, _work.Replica).IsEqual);
        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
        _work.AssertNothingEscaped();
    }

    [Fact]
    public void Rebuild_refuses_a_directory_of_other_files_and_leaves_it_alone()
    {
        MirrorEveryKind();
        Directory.CreateDirectory(_work.Replica + "-not");
        var notReplica = _work.Replica + "-not";
        File.WriteAllText(Path.Combine(notReplica, "precious"), "mine");

        var refused = Assert.Throws<MirrorException>(() => ReplicaRebuild.Run(_work.Store, notReplica));

        Assert.Contains("holds files and no mirror position", refused.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(notReplica, "precious")));
        Directory.Delete(notReplica, recursive: true);
    }

    [Fact]
    public void A_scratch_directory_left_by_a_killed_rebuild_is_removed_by_the_next_verify_and_a_running_one_is_not()
    {
        MirrorEveryKind();
        var stale = Path.Combine(_work.Root, ".replica.vellum-rebuild-999999");
        Directory.CreateDirectory(Path.Combine(stale, "sub"));
        File.WriteAllText(Path.Combine(stale, "sub", "f"), "half a replay");
        var running = Directory.CreateDirectory(Path.Combine(_work.Root, ".replica.vellum-verify-999998")).FullName;
        var unrelated = Directory.CreateDirectory(Path.Combine(_work.Root, ".replica.vellum-mine")).FullName;

        using (ReplicaLock.Acquire(running))
            Assert.True(ReplicaVerification.Run(_work.Store, _work.Replica).IsEqual);

        Assert.False(Directory.Exists(stale));
        Assert.True(Directory.Exists(running));
        Assert.True(Directory.Exists(unrelated));
        Directory.Delete(running);
        Directory.Delete(unrelated);
        _work.AssertNothingEscaped();
    }

    /// <summary>A replay from a store whose first segments retention deleted would lack what they held: both refuse rather than report or build a wrong tree.</summary>
    [Fact]
    public void Verify_and_rebuild_refuse_a_store_that_no_longer_holds_its_journal_from_the_start()
    {
        using (var journal = new JournalBuilder(_work.Store, segmentSize: 64 * 1024))
            Scenarios.Busy(new SourceTree(_work.Source, journal), 200);
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();
        var segments = Directory.GetFiles(_work.Store, "*.vseg").Order(StringComparer.Ordinal).ToList();
        Assert.True(segments.Count > 2, $"{segments.Count} segments");
        File.Delete(segments[0]);

        var verify = Assert.Throws<MirrorException>(() => ReplicaVerification.Run(_work.Store, _work.Replica));
        var rebuild = Assert.Throws<MirrorException>(() => ReplicaRebuild.Run(_work.Store, _work.Replica));

        Assert.Contains("no longer holds its journal from the start (retention deleted what came before position ", verify.Message, StringComparison.Ordinal);
        Assert.Equal(verify.Message, rebuild.Message);
        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
        _work.AssertNothingEscaped();
    }
}
