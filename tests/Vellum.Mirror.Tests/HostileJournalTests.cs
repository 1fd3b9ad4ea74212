using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Mirror.Tests;

/// <summary>Journals that try to reach outside the replica: each is refused naming its transaction, and nothing outside changes.</summary>
public sealed class HostileJournalTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private static JournalOperation Create(byte[] path) => JournalBuilder.Operation(SubRecordType.Create, path,
        redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4, Uid = 0, Gid = 0 } });

    private static JournalOperation WriteTo(string path) => JournalBuilder.Operation(SubRecordType.Write, path,
        redo: new OperationState { Offset = 0, Data = "escaped"u8.ToArray() });

    public static TheoryData<string> Cases => ["absolute", "dotdot", "dot", "empty", "nul", "empty-component", "rename-target", "link-target", "rename-source"];

    private static JournalOperation[] Hostile(string name, string sentinel) => name switch
    {
        "absolute" => [Create(Encoding.UTF8.GetBytes(Path.Combine(sentinel, "abs")))],
        "dotdot" => [Create("a/../../sentinel/x"u8.ToArray())],
        "dot" => [Create("./x"u8.ToArray())],
        "empty" => [Create([])],
        "nul" => [Create("fine\0/../../sentinel/x"u8.ToArray())],
        "empty-component" => [Create("dir//x"u8.ToArray())],
        "rename-target" => [JournalBuilder.Operation(SubRecordType.Rename, "inside", "../sentinel/stolen")],
        "link-target" => [JournalBuilder.Operation(SubRecordType.Link, "inside", "../sentinel/linked")],
        "rename-source" => [JournalBuilder.Operation(SubRecordType.Rename, "../sentinel/keep", "inside")],
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_path_that_could_leave_the_replica_is_refused_and_nothing_of_its_transaction_is_applied(string name)
    {
        ulong hostile;
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(Create("inside"u8.ToArray()));
            // A harmless operation first in the same transaction: it must not be applied either.
            hostile = journal.Commit([Create("first-of-hostile"u8.ToArray()), .. Hostile(name, _work.Sentinel)]);
            journal.Commit(Create("after"u8.ToArray()));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var refused = Assert.Throws<MirrorPathException>(() => mirror.CatchUp());

        Assert.Equal(hostile, refused.TransactionId);
        Assert.StartsWith($"transaction {hostile}: path '", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["inside"], Directory.GetFileSystemEntries(_work.Replica).Select(Path.GetFileName));
        Assert.Equal(hostile - 1, mirror.Position?.TransactionId);
        _work.AssertNothingEscaped();
    }

    [Fact]
    public void A_write_through_a_symlink_made_by_an_earlier_transaction_is_refused()
    {
        ulong hostile;
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(JournalBuilder.Operation(SubRecordType.Symlink, "link", redo: new OperationState { Target = Encoding.UTF8.GetBytes(_work.Sentinel) }));
            hostile = journal.Commit(WriteTo("link/keep"));
            journal.Commit(Create("link/new"u8.ToArray()));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var refused = Assert.Throws<MirrorPathException>(() => mirror.CatchUp());

        Assert.Equal($"transaction {hostile}: path 'link/keep' passes through a symlink", refused.Message);
        _work.AssertNothingEscaped();
    }

    [Fact]
    public void A_write_to_a_final_symlink_or_a_device_node_is_refused_without_opening_it()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(JournalBuilder.Operation(SubRecordType.Symlink, "link", redo: new OperationState { Target = Encoding.UTF8.GetBytes(Path.Combine(_work.Sentinel, "keep")) }));
            journal.Commit(JournalBuilder.Operation(SubRecordType.Mknod, "device", redo: new OperationState { Attributes = new NodeAttributes { Mode = 0x2000 | 0x1B6, Rdev = (1 << 8) | 3 } }));
            journal.Commit(WriteTo("link"));
            journal.Commit(WriteTo("device"));
        }

        using var applier = new JournalApplier(Directory.CreateDirectory(_work.Replica).FullName);
        var transactions = StoreReading.Transactions(_work.Store);
        applier.Apply(transactions[0]);
        applier.Apply(transactions[1]);

        Assert.Equal("transaction 3: write 'link': is not a regular file", Assert.Throws<MirrorApplyException>(() => applier.Apply(transactions[2])).Message);
        Assert.Equal("transaction 4: write 'device': is not a regular file", Assert.Throws<MirrorApplyException>(() => applier.Apply(transactions[3])).Message);
        _work.AssertNothingEscaped();
    }
}
