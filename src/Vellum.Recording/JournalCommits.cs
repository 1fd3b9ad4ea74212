using System.Diagnostics;
using Vellum.Fifo;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// Makes the journal durable at least every commit interval, whether or not an application
/// fsyncs: without it, records written with no fsync after them waited in the write-ahead
/// ring (a shared mapping a power cut loses) and the store's page cache until 4 MiB more came,
/// so a quiet mount could lose minutes of changes, and a busy one anything up to the next step.
/// Each commit asks the FIFO's drain for the flush an fsync would ask for, on this thread, so
/// a change that took effect at time t is durable by t + interval + the time one sync takes.
/// </summary>
/// <remarks>
/// Nothing written since the last commit, nothing synced: an idle mount costs nothing.
/// </remarks>
internal sealed class JournalCommits : IDisposable
{
    private readonly MemoryFifo _fifo;
    private readonly SegmentStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private ulong _committed;
    private long _durableAsOfTimestamp;
    private long _commits;

    public JournalCommits(MemoryFifo fifo, SegmentStore store, TimeSpan interval)
    {
        _fifo = fifo;
        _store = store;
        Interval = interval;
        _committed = fifo.WrittenPosition;
        _durableAsOfTimestamp = Stopwatch.GetTimestamp();
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-journal-commit" };
        _thread.Start();
    }

    public TimeSpan Interval { get; }

    /// <summary>Journal syncs this made because no application asked for one in time.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// How long the oldest record not yet durable may have waited, at most: zero when everything
    /// written is durable, otherwise the time since the last commit that found nothing left behind
    /// it began. It stays below the interval plus one sync unless the journal's disk is slow or full.
    /// </summary>
    public TimeSpan NotDurableFor
    {
        get
        {
            if (AllDurable(_fifo, _store))
                return TimeSpan.Zero;
            return Stopwatch.GetElapsedTime(Interlocked.Read(ref _durableAsOfTimestamp));
        }
    }

    /// <summary>Everything written to the FIFO is acknowledged (in the store) and the store is durable to its end.</summary>
    public static bool AllDurable(MemoryFifo fifo, SegmentStore store) =>
        fifo.AcknowledgedPosition >= fifo.WrittenPosition && store.DurablePosition >= store.WrittenPosition;

    /// <summary>Stops committing; the caller drains and syncs what is left.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
    }

    private void Run()
    {
        var token = _stopping.Token;
        var started = Stopwatch.GetTimestamp();
        while (!token.WaitHandle.WaitOne(Remaining(started)))
        {
            started = Stopwatch.GetTimestamp();
            var position = _fifo.WrittenPosition;
            if (position == _committed && _store.DurablePosition >= _store.WrittenPosition)
            {
                Interlocked.Exchange(ref _durableAsOfTimestamp, started);
                continue;
            }
            try
            {
                _fifo.RequestFlush(position);
                _fifo.WaitForFlushed(position, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception stalled) when (stalled is SinkFullException or FifoFailedException)
            {
                // The journal reports a full or failed disk itself; the records wait in the ring,
                // and NotDurableFor keeps growing from the last commit that succeeded.
                continue;
            }
            _committed = position;
            Interlocked.Increment(ref _commits);
            Interlocked.Exchange(ref _durableAsOfTimestamp, started);
        }
    }

    private TimeSpan Remaining(long started)
    {
        var remaining = Interval - Stopwatch.GetElapsedTime(started);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}
