using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>
/// Syncs that fail (<see cref="FailingSyncDevice"/>, which also loses what the failed sync
/// was to write): out of space, the store goes back to its durable position and takes the
/// lost records again; on EIO it fails and takes nothing more.
/// </summary>
public sealed class SyncFailureTests
{
    [Fact]
    public async Task A_sync_that_fails_for_lack_of_space_cuts_the_store_back_to_its_durable_position_and_the_records_can_be_appended_again()
    {
        using var device = new FailingSyncDevice();
        var directory = Path.Combine(device.MountPoint, "store");
        var options = Txn.Options(segmentSize: 64 * 1024);
        using (var store = SegmentStore.Open(directory, options))
        {
            for (ulong id = 1; id <= 5; id++)
                store.Commit(Txn.Single(id, 3000));
            var durable = store.DurablePosition;
            var segments = store.SegmentCount;

            device.FailSyncs(Passthrough.Errno.ENOSPC);
            var end = durable;
            // Enough to seal segments and start new ones: the cut must take those back too.
            for (ulong id = 6; id <= 60; id++)
                end = store.Append(Txn.Single(id, 3000), end);
            Assert.True(store.SegmentCount > segments);
            var cut = Assert.Throws<StoreCutBackException>(() => store.WaitDurable(end));
            Assert.Contains("No space left on device", cut.Message);
            Assert.Equal(durable, cut.DurablePosition);
            Assert.Equal(durable, store.WrittenPosition);
            Assert.Equal(durable, store.DurablePosition);
            Assert.Equal(segments, store.SegmentCount);
            Assert.Equal(1, store.CutBacks);
            // An appender that missed the cut learns of it instead of appending after a gap.
            Assert.Throws<StoreCutBackException>(() => store.Append(Txn.Single(61, 3000), end));
            Assert.Throws<StoreCutBackException>(() => store.WaitDurable(end));
            await Assert.ThrowsAsync<StoreCutBackException>(() => store.WaitDurableAsync(end).AsTask());

            device.StopFailing();
            end = durable;
            for (ulong id = 6; id <= 60; id++)
                end = store.Append(Txn.Single(id, 3000), end);
            store.WaitDurable(end);
        }
        using var reopened = SegmentStore.Open(directory, options);
        Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
        var (entries, error, incomplete) = Txn.ReadAll(reopened);
        Assert.Null(error);
        Assert.Empty(incomplete);
        Assert.Equal([.. Enumerable.Range(1, 60).Select(id => (ulong)id)], Txn.Committed(entries));
        foreach (var entry in entries.OfType<Journal.Scanning.TransactionEntry>())
            Txn.AssertIntact(entry);
    }

    [Fact]
    public async Task A_sync_that_fails_with_EIO_fails_the_store_and_keeps_what_was_durable()
    {
        using var device = new FailingSyncDevice();
        var directory = Path.Combine(device.MountPoint, "store");
        using (var store = SegmentStore.Open(directory, Txn.Options()))
        {
            store.Commit(Txn.Single(1, 3000));
            device.FailSyncs(Passthrough.Errno.EIO);
            var end = store.Append(Txn.Single(2, 3000));
            var failure = Assert.Throws<StoreIOException>(() => store.WaitDurable(end));
            Assert.IsNotType<StoreCutBackException>(failure);
            Assert.Contains("Input/output error", failure.Message);
            Assert.Throws<StoreIOException>(() => store.Append(Txn.Single(3, 3000)));
            Assert.Throws<StoreIOException>(() => store.WaitDurable(end));
            await Assert.ThrowsAsync<StoreIOException>(() => store.WaitDurableAsync(end).AsTask());
            device.StopFailing();
        }
        using var reopened = SegmentStore.OpenReadOnly(directory);
        var (entries, error, _) = Txn.ReadAll(reopened);
        Assert.Null(error);
        Assert.Equal(1ul, Txn.Committed(entries)[0]);
    }

    [Fact]
    public async Task A_sync_led_for_async_waits_that_fails_with_EIO_fails_them_and_the_store()
    {
        using var device = new FailingSyncDevice();
        using var store = SegmentStore.Open(Path.Combine(device.MountPoint, "store"), Txn.Options());
        store.Commit(Txn.Single(1, 3000));
        device.FailSyncs(Passthrough.Errno.EIO);
        var end = store.Append(Txn.Single(2, 3000));

        var waits = Enumerable.Range(0, 4).Select(_ => store.WaitDurableAsync(end).AsTask()).ToList();
        foreach (var wait in waits)
        {
            var failure = await Assert.ThrowsAsync<StoreIOException>(() => wait);
            Assert.Contains("Input/output error", failure.Message);
        }
        Assert.Throws<StoreIOException>(() => store.Append(Txn.Single(3, 3000)));
        Assert.Equal(1, device.FailedSyncs);
        device.StopFailing();
    }
}
