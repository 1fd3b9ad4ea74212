using System.Collections.Concurrent;
using Vellum.Mirror;
using Vellum.Replication;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum serve --mirror DIR`: one thread per received journal keeping DIR/&lt;journal id&gt;
/// equal to its replica store, complete transactions only, woken by each durable append.
/// </summary>
internal sealed class ReplicaMirrors(string directory, Action<string> log) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, ulong> _applied = new();
    private readonly ConcurrentBag<Thread> _threads = [];

    /// <summary>The last transaction id applied to a journal's mirror (0 before any).</summary>
    public ulong Applied(Guid journalId) => _applied.GetValueOrDefault(journalId);

    public void Follow(ReplicaJournal journal)
    {
        var thread = new Thread(() => Run(journal)) { IsBackground = true, Name = $"vellum-serve-mirror {journal.Id}" };
        _threads.Add(thread);
        thread.Start();
    }

    private void Run(ReplicaJournal journal)
    {
        var replica = Path.Combine(directory, journal.Id.ToString("D"));
        try
        {
            using var runner = MirrorRunner.Open(journal.Store.Directory, replica);
            runner.PositionAdvanced += position => _applied[journal.Id] = position.TransactionId;
            var seen = journal.Store.DurablePosition;
            runner.Follow(cancellation =>
            {
                var changed = journal.Store.WaitForData(seen, durableOnly: true, cancellation);
                seen = journal.Store.DurablePosition;
                return changed;
            }, _stopping.Token);
        }
        catch (Exception failure) when (failure is MirrorException or IOException or ObjectDisposedException or Store.StoreDamagedException)
        {
            if (!_stopping.IsCancellationRequested)
                log($"journal {journal.Id}: the mirror {replica} stopped: {failure.Message}; the journal is still received");
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var thread in _threads)
            thread.Join();
        _stopping.Dispose();
    }
}
