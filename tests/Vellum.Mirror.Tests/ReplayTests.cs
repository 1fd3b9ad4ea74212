using Vellum.Testing;

namespace Vellum.Mirror.Tests;

public sealed class ReplayTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private void JournalEveryKind()
    {
        using var journal = new JournalBuilder(_work.Store);
        Scenarios.EveryKind(new SourceTree(_work.Source, journal));
    }

    [Fact]
    public void Replaying_every_operation_kind_into_an_empty_directory_reproduces_the_source_tree()
    {
        JournalEveryKind();

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
        {
            var applied = mirror.CatchUp();
            Assert.Equal(StoreReading.Transactions(_work.Store).Count, applied);
        }

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
        var last = StoreReading.Transactions(_work.Store)[^1].TransactionId;
        Assert.Equal(new MirrorPosition(JournalBuilder.JournalId, last), StoreReading.Position(_work.Replica));
    }

    [Fact]
    public void A_second_run_finds_nothing_new_and_changes_nothing()
    {
        JournalEveryKind();
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        using (var again = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(0, again.CatchUp());

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
    }

    /// <summary>What a crash between a transaction's effects and its position write leads to: the transaction applied twice in a row.</summary>
    [Fact]
    public void Every_transaction_applied_twice_in_a_row_gives_the_source_tree()
    {
        JournalEveryKind();
        Directory.CreateDirectory(_work.Replica, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using (var applier = new JournalApplier(_work.Replica))
        {
            foreach (var transaction in StoreReading.Transactions(_work.Store))
            {
                applier.Apply(transaction);
                applier.Apply(transaction);
            }
        }

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
    }

    /// <summary>
    /// One transaction back, as a crash leaves it. Further back is not idempotent in general
    /// (docs/mirror.md): a later transaction may have reused a name an earlier one reads.
    /// </summary>
    [Fact]
    public void Resetting_the_position_one_transaction_back_and_rerunning_gives_the_source_tree()
    {
        JournalEveryKind();
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();
        var transactions = StoreReading.Transactions(_work.Store);

        StoreReading.SetPosition(_work.Replica, new MirrorPosition(JournalBuilder.JournalId, transactions[^1].TransactionId - 1));
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(1, mirror.CatchUp());

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
    }
}
