using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Store;

/// <summary>Reading the store's stream: raw bytes from any position, and transactions from any id.</summary>
public sealed partial class SegmentStore
{
    private readonly object _appendSignal = new();

    /// <summary>Completed at the next append signal; made only while an asynchronous reader waits (guarded by <see cref="_appendSignal"/>).</summary>
    private TaskCompletionSource? _appendedAsync;

    /// <summary>
    /// The store's bytes from <paramref name="position"/> on, as a read-only stream across
    /// segment files. Without <paramref name="follow"/> it ends at the position written when
    /// each read is made; with it, a read at the end waits for the next append (until
    /// <paramref name="cancellation"/> or the store's disposal).
    /// </summary>
    public Stream OpenStream(long position, bool follow = false, bool durableOnly = false, CancellationToken cancellation = default) =>
        new StoreStream(this, position, follow, durableOnly, cancellation);

    /// <summary>
    /// Transactions from <paramref name="fromTransactionId"/> on (and the control entries
    /// between them), found by a seek through the index rather than a scan of the store.
    /// </summary>
    public StoreCursor OpenCursor(ulong fromTransactionId = 0, bool follow = false, CancellationToken cancellation = default)
    {
        var (position, resume) = Locate(fromTransactionId);
        return new StoreCursor(this, OpenStream(position, follow, durableOnly: false, cancellation), position, resume, fromTransactionId);
    }

    /// <summary>A position at or before the BEGIN record of <paramref name="transactionId"/>, from the index.</summary>
    public long ReadStartFor(ulong transactionId) => Locate(transactionId).Position;

    /// <summary>Where reading for <paramref name="transactionId"/> starts, and what the scanner must know there.</summary>
    internal (long Position, JournalResume Resume) Locate(ulong transactionId)
    {
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                var segment = _segments[i];
                if (segment.Index.Count == 0 || segment.Index[0].TransactionId > transactionId)
                    continue;
                var entry = segment.Index[0];
                foreach (var candidate in segment.Index)
                {
                    if (candidate.TransactionId > transactionId)
                        break;
                    entry = candidate;
                }
                return (segment.Start + entry.Offset, new JournalResume(Header, entry.TransactionId - 1));
            }
            var first = _segments[0];
            return (first.Start, new JournalResume(Header, first.BegunBefore, first.OpenAtStart));
        }
    }

    /// <summary>The segment holding <paramref name="position"/> and how far reading may go in it now.</summary>
    internal bool TryFindReadable(long position, bool durableOnly, out string path, out long segmentStart, out long limit)
    {
        var durable = DurablePosition;
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_segments.Count == 0 || position < _segments[0].Start)
                throw new InvalidOperationException($"store position {position} is no longer held: the store starts at {(_segments.Count == 0 ? 0 : _segments[0].Start)} (older segments were deleted by retention)");
            foreach (var segment in _segments)
            {
                if (position < segment.End || (position == segment.End && segment == _segments[^1]))
                {
                    path = segment.Path;
                    segmentStart = segment.Start;
                    limit = durableOnly ? Math.Min(segment.End, durable) : segment.End;
                    return true;
                }
            }
            path = "";
            segmentStart = 0;
            limit = 0;
            return false;
        }
    }

    /// <summary>Segment file and offset of a store position, for messages.</summary>
    internal (string File, long Offset) Place(long position)
    {
        lock (_appendLock)
        {
            foreach (var segment in _segments)
            {
                if (position < segment.End || segment == _segments[^1])
                    return (segment.Path, position - segment.Start);
            }
            return (Directory, position);
        }
    }

    /// <summary>Blocks until more than <paramref name="position"/> bytes are written (durable, with <paramref name="durableOnly"/>); false once disposed or cancelled.</summary>
    public bool WaitForData(long position, bool durableOnly, CancellationToken cancellation)
    {
        using var registration = cancellation.Register(SignalAppended);
        lock (_appendSignal)
        {
            while (true)
            {
                if (_disposed || cancellation.IsCancellationRequested)
                    return false;
                if ((durableOnly ? DurablePosition : WrittenPosition) > position)
                    return true;
                Monitor.Wait(_appendSignal);
            }
        }
    }

    /// <summary>
    /// <see cref="WaitForData"/> without holding a thread: for a reader on a task (a replication
    /// sender following the store). False once disposed or cancelled.
    /// </summary>
    public async ValueTask<bool> WaitForDataAsync(long position, bool durableOnly, CancellationToken cancellation)
    {
        while (true)
        {
            Task appended;
            lock (_appendSignal)
            {
                if (_disposed || cancellation.IsCancellationRequested)
                    return false;
                if ((durableOnly ? DurablePosition : WrittenPosition) > position)
                    return true;
                _appendedAsync ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                appended = _appendedAsync.Task;
            }
            try
            {
                await appended.WaitAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private void SignalAppended()
    {
        lock (_appendSignal)
        {
            Monitor.PulseAll(_appendSignal);
            _appendedAsync?.TrySetResult();
            _appendedAsync = null;
        }
    }
}
