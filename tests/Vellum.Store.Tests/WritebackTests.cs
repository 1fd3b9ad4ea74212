using Vellum.Native;

namespace Vellum.Store.Tests;

/// <summary>
/// Early writeback: appended bytes are handed to the disk as they come, not left dirty in
/// memory for the next sync to write all at once; with drop-behind, durable bytes leave the
/// page cache. Observed with cachestat(2) (Linux 6.5+), which counts a file's cached and
/// dirty pages.
/// </summary>
public sealed class WritebackTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-store-writeback-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Appends_without_a_sync_leave_at_most_one_writeback_step_dirty()
    {
        using var store = SegmentStore.Open(_directory, Txn.Options());
        for (ulong id = 1; id <= 512; id++)
            store.Append(Txn.Single(id, 64 * 1024));
        Assert.True(store.WrittenPosition >= 32L << 20);

        var dirty = DirtyBytes(Directory.GetFiles(_directory, "*.vseg").Single());

        // 8 MiB is the store's writeback step; without early writeback all 32 MiB stay dirty
        // (the kernel's own writeback waits 30 s or for 10 % of memory to be dirty).
        Assert.True(dirty <= 9L << 20, $"{dirty >> 20} MiB of the segment still dirty after appending {store.WrittenPosition >> 20} MiB");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_drop_behind_durable_bytes_leave_the_page_cache_at_each_writeback_step(bool dropBehind)
    {
        using var store = SegmentStore.Open(_directory, Txn.Options() with { DropBehind = dropBehind });
        for (ulong id = 1; id <= 512; id++)
            store.Commit(Txn.Single(id, 64 * 1024));
        Assert.True(store.WrittenPosition >= 32L << 20);

        var cached = (long)Stat(Directory.GetFiles(_directory, "*.vseg").Single()).Cache * Environment.SystemPageSize;

        // At most the bytes appended since the last 8 MiB step stay; without drop-behind, all of them.
        if (dropBehind)
            Assert.True(cached <= 9L << 20, $"{cached >> 20} MiB of the segment still cached after committing {store.WrittenPosition >> 20} MiB");
        else
            Assert.True(cached >= store.WrittenPosition - (1L << 20), $"only {cached >> 20} MiB of {store.WrittenPosition >> 20} MiB cached without drop-behind");
        // Dropped or not, every transaction reads back whole.
        var (entries, error, _) = Txn.ReadAll(store);
        Assert.Null(error);
        var transactions = entries.OfType<Journal.Scanning.TransactionEntry>().ToList();
        Assert.Equal(512, transactions.Count);
        transactions.ForEach(Txn.AssertIntact);
    }

    private static long DirtyBytes(string path) => (long)Stat(path).Dirty * Environment.SystemPageSize;

    private static unsafe CacheStat Stat(string path)
    {
        using var file = File.OpenHandle(path);
        using var fd = LibC.Borrow(file);
        var range = new CacheStatRange { Offset = 0, Length = 0 };
        CacheStat stat;
        var result = LibC.CacheStat(fd.Fd, &range, &stat);
        Assert.True(result == 0, $"cachestat {path}: errno {LibC.LastError()}");
        return stat;
    }
}
