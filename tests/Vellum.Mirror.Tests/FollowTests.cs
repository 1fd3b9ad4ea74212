using Vellum.Testing;

namespace Vellum.Mirror.Tests;

public sealed class FollowTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// The follower's wait is the test's hook: it is called after each pass has applied
    /// everything the store held, so the test checks the replica there, appends more, and
    /// lets the next pass run; at the end it cancels.
    /// </summary>
    [Fact]
    public async Task A_follower_applies_transactions_appended_while_it_runs_until_cancelled()
    {
        using var journal = new JournalBuilder(_work.Store);
        var source = new SourceTree(_work.Source, journal);
        source.Mkdir("live");
        source.Create("live/a");
        using var passDone = new SemaphoreSlim(0);
        using var appended = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var follower = Task.Factory.StartNew(() => mirror.Follow(token =>
        {
            passDone.Release();
            try
            {
                appended.Wait(token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }, stop.Token), TaskCreationOptions.LongRunning);

        for (var round = 0; round < 3; round++)
        {
            Assert.True(await passDone.WaitAsync(TimeSpan.FromSeconds(60)));
            TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
            source.Write("live/a", round * 10_000, Scenarios.Fill(100, (byte)round));
            source.Create($"live/new-{round}");
            appended.Release();
        }
        Assert.True(await passDone.WaitAsync(TimeSpan.FromSeconds(60)));
        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
        stop.Cancel();

        await follower.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(journal.Store.LastTransactionId, mirror.Position?.TransactionId);
    }
}
