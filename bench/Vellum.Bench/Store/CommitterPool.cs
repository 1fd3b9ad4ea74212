using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Bench.Store;

/// <summary>
/// Dedicated committer threads, each committing one-record transactions on its own stream
/// id in a loop while a slice runs. A transaction id is taken and appended under one lock
/// (ids must increase in append order), then waited for outside it, as a producer would.
/// Between slices every thread is parked with its last commit durable.
/// </summary>
internal sealed class CommitterPool : SlicedWorkload
{
    private readonly SegmentStore _store;
    private readonly Lock _gate = new();
    private readonly object _turn = new();
    private readonly Thread[] _threads;
    private readonly long[] _counts;
    private readonly long[] _allocated;
    private ulong _next;
    private long _generation;
    private int _parked;
    private bool _running;
    private bool _measuring;
    private bool _stopping;
    private Exception? _failure;

    public CommitterPool(SegmentStore store, int committers, int payloadLength)
    {
        _store = store;
        _next = store.LastTransactionId;
        _counts = new long[committers];
        _allocated = new long[committers];
        _threads = [.. Enumerable.Range(0, committers).Select(w =>
        {
            var record = new TransactionRecord((ushort)(StreamId.FirstTransaction + w), payloadLength);
            return new Thread(() => Commit(w, record)) { Name = $"bench-committer-{w}" };
        })];
        foreach (var thread in _threads)
            thread.Start();
    }

    /// <summary>Sync rounds of the store in measured slices.</summary>
    public long Syncs { get; private set; }

    /// <summary>Bytes the committer threads allocated in measured slices.</summary>
    public long Allocated => _allocated.Sum();

    public override void Dispose()
    {
        lock (_turn)
        {
            _stopping = true;
            Monitor.PulseAll(_turn);
        }
        foreach (var thread in _threads)
            thread.Join();
    }

    protected override long Run(TimeSpan length, bool measuring)
    {
        var counted = _counts.Sum();
        var syncs = _store.SyncCount;
        lock (_turn)
        {
            _parked = 0;
            _measuring = measuring;
            Volatile.Write(ref _running, true);
            _generation++;
            Monitor.PulseAll(_turn);
        }
        Thread.Sleep(length);
        Volatile.Write(ref _running, false);
        lock (_turn)
        {
            while (_parked < _threads.Length)
                Monitor.Wait(_turn);
        }
        if (_failure is not null)
            throw new InvalidOperationException($"store commit failed: {_failure.Message}", _failure);
        if (measuring)
            Syncs += _store.SyncCount - syncs;
        return _counts.Sum() - counted;
    }

    private void Commit(int w, TransactionRecord record)
    {
        long seen = 0;
        while (true)
        {
            bool measuring;
            lock (_turn)
            {
                while (_generation == seen && !_stopping)
                    Monitor.Wait(_turn);
                if (_stopping)
                    return;
                seen = _generation;
                measuring = _measuring;
            }
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long count = 0;
            try
            {
                while (Volatile.Read(ref _running))
                {
                    long end;
                    lock (_gate)
                        end = _store.Append(record.For(++_next));
                    _store.WaitDurable(end);
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
            {
                _failure = e;
            }
            if (measuring)
            {
                _counts[w] += count;
                _allocated[w] += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            }
            lock (_turn)
            {
                _parked++;
                Monitor.PulseAll(_turn);
            }
        }
    }
}
