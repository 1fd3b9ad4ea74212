using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// Keeps a replicating source's store durable soon after each append: senders ship durable
/// bytes only, and without an application's fsync nothing else would sync. It takes part in
/// the store's group commit like any committer, so its syncs are shared.
/// </summary>
public sealed class SpoolSyncer : IDisposable
{
    private readonly SegmentStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;

    public SpoolSyncer(SegmentStore store)
    {
        _store = store;
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-spool-sync" };
        _thread.Start();
    }

    /// <summary>Why syncing stopped (the store failed), or null.</summary>
    public Exception? Failure { get; private set; }

    private void Run()
    {
        try
        {
            while (_store.WaitForData(_store.DurablePosition, durableOnly: false, _stopping.Token))
                SyncOnce();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (StoreIOException failure)
        {
            Failure = failure;
        }
    }

    /// <summary>A full disk at sync cut the store back (see <see cref="StoreCutBackException"/>): its appender sends the rest again, and this syncs that.</summary>
    private void SyncOnce()
    {
        try
        {
            _store.WaitDurable(_store.WrittenPosition);
        }
        catch (StoreCutBackException)
        {
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
    }
}
