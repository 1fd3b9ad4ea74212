using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;

namespace Vellum.Mirror.Tests;

/// <summary>The runner's bookkeeping: order, position, journal identity, damage.</summary>
public sealed class RunnerTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private static JournalOperation Create(string path) => JournalBuilder.Operation(SubRecordType.Create, path,
        redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4 } });

    private static JournalOperation Write(string path, string text) => JournalBuilder.Operation(SubRecordType.Write, path,
        redo: new OperationState { Offset = 0, Data = System.Text.Encoding.UTF8.GetBytes(text) });

    [Fact]
    public void The_position_is_24_bytes_of_journal_uuid_then_the_little_endian_transaction_id()
    {
        var position = new MirrorPosition(new Guid("00112233-4455-6677-8899-aabbccddeeff"), 0x0102030405060708);
        var bytes = new byte[MirrorPosition.Size];

        position.Format(bytes);

        Assert.Equal("33221100554477668899AABBCCDDEEFF0807060504030201", Convert.ToHexString(bytes));
        Assert.Equal(position, MirrorPosition.Parse(bytes));
        Assert.Equal("user.vellum.mirror", MirrorPosition.XattrName);
    }

    [Fact]
    public void Transactions_apply_in_id_order_when_a_later_one_ends_first_and_the_position_never_passes_an_open_one()
    {
        using var journal = new JournalBuilder(_work.Store);
        journal.Commit(Create("f"));
        var early = JournalBuilder.Payload(Write("f", "first, long"));
        var late = JournalBuilder.Payload(Write("f", "second"));
        journal.Store.Commit(JournalBuilder.Record((ushort)(JournalBuilder.Stream | StreamId.Begin), 2, early));
        journal.Store.Commit(JournalBuilder.Record((ushort)(JournalBuilder.Stream + 1 | StreamId.Begin | StreamId.End), 3, late));

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        Assert.Equal(1, mirror.CatchUp());
        Assert.Equal(1UL, mirror.Position?.TransactionId);
        Assert.Equal("", File.ReadAllText(Path.Combine(_work.Replica, "f")));

        journal.Store.Commit(JournalBuilder.Record((ushort)(JournalBuilder.Stream | StreamId.End), 2, []));
        Assert.Equal(2, mirror.CatchUp());
        Assert.Equal(3UL, mirror.Position?.TransactionId);
        Assert.Equal("second long", File.ReadAllText(Path.Combine(_work.Replica, "f")));
    }

    [Fact]
    public void Aborted_transactions_are_skipped_and_passed()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(Create("kept"));
            journal.Store.Commit(JournalBuilder.Record((ushort)(JournalBuilder.Stream | StreamId.Begin), 2, JournalBuilder.Payload(Create("dropped"))));
            journal.Store.Commit(JournalBuilder.Record((ushort)(JournalBuilder.Stream | StreamId.End | StreamId.Aborted), 2, []));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        Assert.Equal(1, mirror.CatchUp());

        Assert.Equal(["kept"], Directory.GetFileSystemEntries(_work.Replica).Select(Path.GetFileName));
        Assert.Equal(2UL, mirror.Position?.TransactionId);
    }

    [Fact]
    public void A_store_of_another_journal_is_refused()
    {
        using (var journal = new JournalBuilder(_work.Store))
            journal.Commit(Create("a"));
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();
        var other = Path.Combine(_work.Root, "other-store");
        using (var journal = new JournalBuilder(other, new Guid("99999999-0000-4000-8000-000000000001")))
            journal.Commit(Create("b"));

        using var replica = MirrorRunner.Open(other, _work.Replica);
        var refused = Assert.Throws<MirrorException>(() => replica.CatchUp());

        Assert.Contains($"mirrors journal {JournalBuilder.JournalId}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], Directory.GetFileSystemEntries(_work.Replica).Select(Path.GetFileName));
        Directory.Delete(other, recursive: true);
    }

    [Fact]
    public void A_non_empty_directory_without_a_position_is_refused()
    {
        Directory.CreateDirectory(_work.Replica);
        File.WriteAllText(Path.Combine(_work.Replica, "someone-elses"), "data");

        var refused = Assert.Throws<MirrorException>(() => MirrorRunner.Open(_work.Store, _work.Replica));

        Assert.Contains("is not empty and holds no mirror position", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A replica that lacks what the journal changes (changed outside the mirror, or mirrored
    /// from a journal that does not describe what the directory held before it) fails on every
    /// run at the same transaction: the message says the way out.
    /// </summary>
    [Fact]
    public void A_transaction_the_replica_no_longer_matches_fails_saying_to_mirror_again_into_an_empty_directory()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(Create("f"));
            journal.Commit(Write("sub/old.txt", "new"));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var failed = Assert.Throws<MirrorApplyException>(() => mirror.CatchUp());

        Assert.StartsWith("transaction 2: write 'sub/old.txt': ", failed.Message, StringComparison.Ordinal);
        Assert.EndsWith("(errno 2); the replica no longer matches the journal: mirror again into an empty directory", failed.Message, StringComparison.Ordinal);
        Assert.True(failed.ReplicaDiffers);
        Assert.Equal(1UL, mirror.Position?.TransactionId);
    }

    [Fact]
    public void Damage_stops_the_mirror_after_everything_before_it_is_applied()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            for (var i = 0; i < 5; i++)
                journal.Commit(Create($"f{i}"));
        }
        var segment = Directory.GetFiles(_work.Store, "*.vseg").Single();
        var transactions = StoreReading.Transactions(_work.Store);
        // A flipped byte in the payload of transaction 4; transaction 5 after it stays valid, so this is corruption, not a torn tail.
        var bytes = File.ReadAllBytes(segment);
        var offset = transactions[3].BeginOffset + 40;
        bytes[offset] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var damage = Assert.Throws<StoreDamagedException>(() => mirror.CatchUp());

        Assert.Equal(segment, damage.File);
        Assert.Equal(transactions[3].BeginOffset, damage.Offset);
        Assert.Equal(["f0", "f1", "f2"], Directory.GetFileSystemEntries(_work.Replica).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(3UL, mirror.Position?.TransactionId);
    }
}
