using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// One journal a target receives: its replica store (DIR/&lt;journal id&gt;), which one
/// source session at a time writes, and the highest transaction id whose END it holds.
/// </summary>
public sealed class ReplicaJournal : IDisposable
{
    private readonly Lock _lock = new();
    private ulong _highestEnded;
    private CancellationTokenSource? _holder;
    private TaskCompletionSource? _released;

    internal ReplicaJournal(Guid id, SegmentStore store)
    {
        Id = id;
        Store = store;
    }

    public Guid Id { get; }

    public SegmentStore Store { get; }

    /// <summary>
    /// Takes the journal for <paramref name="session"/>. A session holding it is cancelled
    /// first: the newer one proved the secret too, and the older is most likely a connection
    /// that broke without a word reaching this side (which would otherwise keep the journal
    /// from its own source forever). False when the older one did not end within
    /// <paramref name="wait"/>; <c>TookOver</c> says whether there was one.
    /// </summary>
    internal async Task<(bool Acquired, bool TookOver)> AcquireAsync(CancellationTokenSource session, TimeSpan wait)
    {
        var tookOver = false;
        while (true)
        {
            Task released;
            lock (_lock)
            {
                if (_holder is null)
                {
                    _holder = session;
                    _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return (true, tookOver);
                }
                _holder.Cancel();
                released = _released!.Task;
            }
            tookOver = true;
            try
            {
                await released.WaitAsync(wait, session.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return (false, tookOver);
            }
        }
    }

    internal void Release()
    {
        lock (_lock)
        {
            _holder = null;
            _released?.TrySetResult();
        }
    }

    /// <summary>
    /// Whether the last append found the store's disk full (<see cref="StoreFullException"/>):
    /// true from then until an append succeeds, across sessions, so the next session's
    /// acknowledgements say so from its start.
    /// </summary>
    public bool DiskFull => _diskFull;

    private volatile bool _diskFull;

    /// <summary>Appends received records (see <see cref="SegmentStore.AppendReplicated"/>) and notes the transactions they end.</summary>
    internal void Append(ReadOnlySpan<byte> records)
    {
        try
        {
            Store.AppendReplicated(records);
        }
        catch (StoreFullException)
        {
            _diskFull = true;
            throw;
        }
        _diskFull = false;
        var highest = HighestEnded(records);
        lock (_lock)
            _highestEnded = Math.Max(_highestEnded, highest);
    }

    /// <summary>The written position and the highest transaction ended below it, read together.</summary>
    internal (long Written, ulong HighestEnded) Snapshot()
    {
        lock (_lock)
            return (Store.WrittenPosition, _highestEnded);
    }

    private static ulong HighestEnded(ReadOnlySpan<byte> records)
    {
        ulong highest = 0;
        for (var offset = 0; offset < records.Length;)
        {
            // The store checked these records whole as it appended them: their headers are enough here.
            var frame = RecordFrame.Read(records[offset..], checkBody: false);
            if (frame.Status != FrameStatus.Whole)
                break;
            var header = frame.Header;
            if (header.IsEnd && StreamId.IsTransaction(header.Id))
                highest = Math.Max(highest, header.TransactionId);
            offset += frame.Length;
        }
        return highest;
    }

    public void Dispose() => Store.Dispose();
}
