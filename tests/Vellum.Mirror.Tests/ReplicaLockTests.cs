using Vellum.Testing;

namespace Vellum.Mirror.Tests;

/// <summary>
/// One writer per replica: the case was two mirrors at once, each re-applying what the
/// other had passed, leaving the replica silently different with its position at the end.
/// </summary>
public sealed class ReplicaLockTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private int JournalBusyWork(int rounds)
    {
        using var journal = new JournalBuilder(_work.Store);
        Scenarios.Busy(new SourceTree(_work.Source, journal), rounds);
        return StoreReading.Transactions(_work.Store).Count;
    }

    [Fact]
    public void A_second_mirror_of_a_replica_is_refused_naming_the_replica_and_the_process_that_holds_it()
    {
        JournalBusyWork(50);
        using var first = MirrorRunner.Open(_work.Store, _work.Replica);

        var refused = Assert.Throws<ReplicaLockedException>(() => MirrorRunner.Open(_work.Store, _work.Replica));

        Assert.StartsWith($"the replica {_work.Replica} is in use: pid {Environment.ProcessId} (", refused.Message, StringComparison.Ordinal);
        Assert.Contains("this process", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("wait for that one to end (or stop it), then run again", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessId, refused.Holder?.ProcessId);
        Assert.NotNull(refused.Holder?.Started);
        Assert.Throws<ReplicaLockedException>(() => ReplicaVerification.Run(_work.Store, _work.Replica));
        Assert.Throws<ReplicaLockedException>(() => ReplicaRebuild.Run(_work.Store, _work.Replica));
        Assert.Throws<ReplicaLockedException>(() => ReplicaLock.Acquire(_work.Replica).Dispose());
    }

    [Fact]
    public void The_lock_is_free_again_once_its_holder_is_disposed()
    {
        var count = JournalBusyWork(50);
        using (var first = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(count, first.CatchUp());

        using var second = MirrorRunner.Open(_work.Store, _work.Replica);
        Assert.Equal(0, second.CatchUp());
    }

    /// <summary>Mirrors started together on threads: whichever opens first applies; the other is refused, or opens after and finds nothing.</summary>
    [Fact]
    public async Task Mirrors_racing_on_one_replica_leave_it_equal_to_the_source()
    {
        var count = JournalBusyWork(400);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var replica = Path.Combine(_work.Root, $"race-{attempt}");
            using var start = new Barrier(2);
            var outcomes = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                try
                {
                    using var mirror = MirrorRunner.Open(_work.Store, replica);
                    return (Applied: mirror.CatchUp(), Refused: (ReplicaLockedException?)null);
                }
                catch (ReplicaLockedException refused)
                {
                    return (Applied: 0L, Refused: refused);
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            var results = await Task.WhenAll(outcomes);

            Assert.Equal(count, results.Sum(result => result.Applied));
            Assert.All(results.Where(result => result.Refused is not null), result => Assert.Contains(replica, result.Refused!.Message, StringComparison.Ordinal));
            TreeComparison.AssertEqual(_work.Source, replica, Workspace.Options);
            Assert.True(ReplicaVerification.Run(_work.Store, replica).IsEqual);
            TreeRemoval.Delete(replica);
        }
    }
}
