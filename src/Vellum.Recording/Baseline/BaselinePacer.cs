using System.Diagnostics;
using Vellum.Fifo;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Keeps the baseline out of the applications' way: it waits while an application's fsync
/// waits for the journal (so that fsync does not also wait for baseline records that do not
/// concern it), keeps at most a quarter of the FIFO ring filled ahead of the store, and
/// holds to the rate the operator set (`--baseline-rate`).
/// </summary>
internal sealed class BaselinePacer(JournalDurability durability, MemoryFifo fifo, BaselineProgress progress, long bytesPerSecond)
{
    /// <summary>How long one pause for applications' fsyncs lasts at most, so a stream of fsyncs slows the baseline but never stops it.</summary>
    private static readonly TimeSpan LongestYield = TimeSpan.FromMilliseconds(20);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ulong _aheadLimit = (ulong)fifo.Options.Size / 4;

    /// <summary>Between two transactions of the baseline, also inside a large file.</summary>
    public void Between()
    {
        if (durability.SyncsWaiting > 0)
        {
            var yielding = Stopwatch.StartNew();
            while (durability.SyncsWaiting > 0 && yielding.Elapsed < LongestYield)
                Thread.Sleep(1);
        }
        var written = fifo.WrittenPosition;
        if (written - fifo.SentPosition > _aheadLimit)
            fifo.WaitForSent(written - _aheadLimit / 2);
    }

    /// <summary>After one object, outside every lock: also holds the rate.</summary>
    public void AfterObject(CancellationToken stopping)
    {
        Between();
        if (bytesPerSecond <= 0)
            return;
        var due = TimeSpan.FromSeconds((double)progress.BytesDone / bytesPerSecond);
        var ahead = due - _clock.Elapsed;
        if (ahead > TimeSpan.Zero)
            stopping.WaitHandle.WaitOne(ahead);
    }
}
