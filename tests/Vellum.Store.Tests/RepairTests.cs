using Vellum.Journal.Format;
using Vellum.Testing;

namespace Vellum.Store.Tests;

/// <summary>Damage inside sealed segments, which opening does not read: found by verifying every record, and healed from a copy of the same journal.</summary>
public sealed class RepairTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-store-repair-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Store => Path.Combine(_root, "store");

    private string Copy => Path.Combine(_root, "copy");

    /// <summary>A store of 200 transactions in many sealed segments of 8 KiB, and a byte-identical copy of it.</summary>
    private void WriteStoreAndCopy()
    {
        using (var store = SegmentStore.Open(Store, Txn.Options(segmentSize: 8192)))
        {
            for (ulong id = 1; id <= 200; id++)
                store.Commit(Txn.Single(id, 300));
        }
        Directory.CreateDirectory(Copy);
        foreach (var file in Directory.GetFiles(Store))
            File.Copy(file, Path.Combine(Copy, Path.GetFileName(file)));
    }

    /// <summary>Flips one bit in the middle of a sealed segment (not the first, not the newest); returns the segment file.</summary>
    private string FlipBitInASealedSegment()
    {
        var files = StoreFiles.List(Store);
        Assert.True(files.Count > 4, "the workload must fill several segments");
        var path = files[files.Count / 2].Path;
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x08;
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Opening_does_not_see_a_flipped_bit_in_a_sealed_segment_but_verifying_finds_it_with_its_transactions()
    {
        WriteStoreAndCopy();
        var damaged = FlipBitInASealedSegment();
        using (var store = SegmentStore.Open(Store, Txn.Options(segmentSize: 8192)))
            Assert.True(store.Recovery.IsClean);

        var verified = SegmentVerifier.VerifyDirectory(Store);

        var segment = Assert.Single(verified, v => !v.IsClean);
        Assert.Equal(damaged, segment.File);
        var damage = Assert.Single(segment.Damage);
        var half = new FileInfo(damaged).Length / 2;
        Assert.InRange(half, damage.Offset, damage.End - 1);
        Assert.Contains("CRC32C", damage.Problem, StringComparison.Ordinal);
        var transaction = Assert.Single(damage.Transactions);
        Assert.Equal(damage.LastBegunBefore + 1, transaction);
        Assert.Equal(transaction + 1, damage.FirstAfter);
        Assert.Equal($"/file-{transaction} (unverified: read from the damaged record)", Assert.Single(damage.Paths));
    }

    [Fact]
    public async Task A_flipped_bit_in_a_sealed_segment_is_healed_from_a_directory_copy_and_every_transaction_reads_again()
    {
        WriteStoreAndCopy();
        var damaged = FlipBitInASealedSegment();
        using (var before = SegmentStore.OpenReadOnly(Store))
            Assert.NotNull(Txn.ReadAll(before).Error);

        await using var copy = new DirectoryCopy(Copy);
        var report = await StoreRepair.RunAsync(Store, [copy]);

        var outcome = Assert.Single(report.Damaged);
        Assert.Equal(damaged, outcome.Found.File);
        Assert.Equal(Copy, outcome.RepairedFrom);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Copy, Path.GetFileName(damaged))), File.ReadAllBytes(damaged));
        Assert.False(File.Exists(damaged + ".repairing"));
        using var store = SegmentStore.Open(Store, Txn.Options(segmentSize: 8192));
        var (entries, error, _) = Txn.ReadAll(store);
        Assert.Null(error);
        Assert.Equal([.. Enumerable.Range(1, 200).Select(i => (ulong)i)], Txn.Committed(entries));
    }

    [Fact]
    public async Task A_copy_with_the_same_bytes_damaged_is_refused_and_the_segment_is_left_as_it_was()
    {
        WriteStoreAndCopy();
        var damaged = FlipBitInASealedSegment();
        File.Copy(damaged, Path.Combine(Copy, Path.GetFileName(damaged)), overwrite: true);
        var before = File.ReadAllBytes(damaged);

        await using var copy = new DirectoryCopy(Copy);
        var report = await StoreRepair.RunAsync(Store, [copy]);

        var outcome = Assert.Single(report.Damaged);
        Assert.False(outcome.Repaired);
        Assert.Contains("would still not verify", Assert.Single(outcome.Refusals), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(damaged));
    }

    [Fact]
    public async Task A_copy_of_another_journal_is_refused_before_anything_is_read_from_it()
    {
        WriteStoreAndCopy();
        var damaged = FlipBitInASealedSegment();
        var before = File.ReadAllBytes(damaged);
        var other = Path.Combine(_root, "other");
        var otherHeader = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data");
        using (var store = SegmentStore.Open(other, new StoreOptions { Header = otherHeader, SegmentSize = 8192 }))
            store.Commit(Txn.Single(1, 300));

        await using var copy = new DirectoryCopy(other);
        var refused = await Assert.ThrowsAsync<StoreRepairException>(() => StoreRepair.RunAsync(Store, [copy]));

        Assert.True(refused.OtherJournal);
        Assert.Contains("another journal", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(damaged));
    }

    [Fact]
    public void The_scrub_finds_damage_in_a_sealed_segment_records_it_and_notices_the_repair()
    {
        WriteStoreAndCopy();
        using var store = SegmentStore.Open(Store, Txn.Options(segmentSize: 8192));
        var damaged = FlipBitInASealedSegment();
        var found = new List<SegmentDamage>();
        using (var scrubber = new StoreScrubber(store, TimeSpan.FromDays(1), found.Add))
        {
            scrubber.Start();
            Assert.True(Poll.Until(() => scrubber.Status.LastPassEnded is not null, TimeSpan.FromSeconds(30)), "the first pass did not end");
            var damage = Assert.Single(scrubber.Status.Damage);
            Assert.Equal(damaged, damage.File);
            Assert.Equal(damage, Assert.Single(found));
        }
        Assert.Single(DamageRecord.Load(Store));

        File.Copy(Path.Combine(Copy, Path.GetFileName(damaged)), damaged, overwrite: true);
        using var next = new StoreScrubber(store, TimeSpan.FromDays(1));
        Assert.Empty(next.Status.Damage);
        Assert.False(File.Exists(Path.Combine(Store, DamageRecord.FileName)));
    }
}
