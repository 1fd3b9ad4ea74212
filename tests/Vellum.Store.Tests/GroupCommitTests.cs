namespace Vellum.Store.Tests;

public sealed class GroupCommitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// 64 committers on a device that counts fdatasyncs: every commit returns only after an
    /// fdatasync that covered its bytes completed, and the committers share the syncs.
    /// </summary>
    [Fact]
    public Task Sixty_four_committers_share_fdatasyncs_and_none_returns_early() =>
        CommitConcurrently((store, position) =>
        {
            store.WaitDurable(position);
            return ValueTask.CompletedTask;
        });

    /// <summary>The same, each committer waiting asynchronously: the rounds are led on the thread pool and shared.</summary>
    [Fact]
    public Task Sixty_four_async_waiters_share_fdatasyncs_and_none_returns_early() =>
        CommitConcurrently((store, position) => store.WaitDurableAsync(position));

    /// <summary>64 committers, each on a thread of its own, appending and waiting with <paramref name="waitDurable"/>.</summary>
    private static async Task CommitConcurrently(Func<SegmentStore, long, ValueTask> waitDurable)
    {
        using var device = new SyncCountingDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        var syncsAtOpen = device.FileSyncs;
        const int Committers = 64;
        const int EachCommits = 20;
        var gate = new Lock();
        var early = new List<string>();
        ulong next = 0;
        await Task.WhenAll(Enumerable.Range(0, Committers).Select(c => Task.Factory.StartNew(async () =>
        {
            var stream = (ushort)(Txn.Stream + c);
            for (var i = 0; i < EachCommits; i++)
            {
                long position;
                lock (gate)
                    position = store.Append(Txn.Single(++next, 200, stream));
                await waitDurable(store, position);
                var synced = device.SyncedSize;
                if (synced < position)
                {
                    lock (gate)
                        early.Add($"commit ending at {position} returned with only {synced} bytes synced");
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        Assert.Empty(early);
        var commits = Committers * EachCommits;
        var syncs = device.FileSyncs - syncsAtOpen;
        // Some commits rode on another's fdatasync (how many is the store benchmark's figure:
        // here every append is itself a FUSE round trip, which keeps batches small).
        Assert.True(syncs < commits, $"{syncs} fdatasyncs for {commits} commits");
        Assert.Equal(store.SyncCount, syncs);
        Assert.Equal(commits, Txn.Committed(Txn.ReadAll(store).Entries).Count);
    }

    [Fact]
    public void A_lone_committer_gets_one_fdatasync_per_commit_and_it_covers_the_commit()
    {
        using var device = new SyncCountingDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        var syncsAtOpen = device.FileSyncs;
        for (ulong id = 1; id <= 50; id++)
        {
            var position = store.Commit(Txn.Single(id));
            Assert.True(device.SyncedSize >= position, $"commit {id} ending at {position} returned with {device.SyncedSize} bytes synced");
        }
        Assert.Equal(50, device.FileSyncs - syncsAtOpen);
    }

    [Fact]
    public async Task An_async_wait_rides_on_the_sync_in_progress_and_that_sync_completes_it()
    {
        using var device = new SyncCountingDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        var (end, leader) = CommitIntoAHeldSync(device, store);
        var syncsBefore = device.FileSyncs;

        var waiting = store.WaitDurableAsync(end).AsTask();
        Assert.False(waiting.IsCompleted);
        device.ReleaseSyncs();

        await waiting.WaitAsync(Patience);
        Assert.True(leader.Join(Patience));
        Assert.True(device.SyncedSize >= end, $"the wait for {end} returned with {device.SyncedSize} bytes synced");
        Assert.Equal(syncsBefore + 1, device.FileSyncs);
    }

    [Fact]
    public async Task An_async_wait_ends_at_its_cancellation_while_the_sync_it_waits_for_is_stalled()
    {
        using var device = new SyncCountingDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        var (end, leader) = CommitIntoAHeldSync(device, store);

        using var cancellation = new CancellationTokenSource();
        var waiting = store.WaitDurableAsync(end, cancellation.Token).AsTask();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        Assert.True(store.DurablePosition < end);

        device.ReleaseSyncs();
        Assert.True(leader.Join(Patience));
        Assert.True(store.DurablePosition >= end);
    }

    /// <summary>Holds the device's fsyncs and starts a committer whose sync is then held; returns its position and thread.</summary>
    private static (long End, Thread Leader) CommitIntoAHeldSync(SyncCountingDevice device, SegmentStore store)
    {
        store.Commit(Txn.Single(1));
        device.HoldSyncs();
        var end = store.Append(Txn.Single(2));
        var leader = new Thread(() => store.WaitDurable(end));
        leader.Start();
        Assert.True(device.WaitForHeldSync(Patience), "the committer's fdatasync never reached the device");
        return (end, leader);
    }
}
