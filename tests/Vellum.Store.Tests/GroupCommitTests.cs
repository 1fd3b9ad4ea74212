namespace Vellum.Store.Tests;

public sealed class GroupCommitTests
{
    /// <summary>
    /// 64 committers on a device that counts fdatasyncs: every commit returns only after an
    /// fdatasync that covered its bytes completed, and the committers share the syncs.
    /// </summary>
    [Fact]
    public void Sixty_four_committers_share_fdatasyncs_and_none_returns_early()
    {
        using var device = new SyncCountingDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        var syncsAtOpen = device.FileSyncs;
        const int Committers = 64;
        const int EachCommits = 20;
        var gate = new Lock();
        var early = new List<string>();
        ulong next = 0;
        var threads = Enumerable.Range(0, Committers).Select(c => new Thread(() =>
        {
            var stream = (ushort)(Txn.Stream + c);
            for (var i = 0; i < EachCommits; i++)
            {
                long position;
                lock (gate)
                    position = store.Append(Txn.Single(++next, 200, stream));
                store.WaitDurable(position);
                var synced = device.SyncedSize;
                if (synced < position)
                {
                    lock (gate)
                        early.Add($"commit ending at {position} returned with only {synced} bytes synced");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

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
}
