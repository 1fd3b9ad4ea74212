using System.Diagnostics;

namespace Vellum.Bench.Store;

/// <summary>
/// A workload run in slices, so that two of them can take turns (<see cref="Interleave"/>)
/// and see the same machine: on a shared machine the rate of fdatasync moved by 10x within
/// seconds, far more than anything a comparison of consecutive runs could resolve.
/// </summary>
internal abstract class SlicedWorkload : IDisposable
{
    private static readonly TimeSpan SliceLength = TimeSpan.FromMilliseconds(200);

    /// <summary>Operations done in measured slices.</summary>
    public long Operations { get; private set; }

    /// <summary>Wall time of the measured slices.</summary>
    public double Seconds { get; private set; }

    /// <summary>What the measured slices cost the process, and the machine's stalls meanwhile.</summary>
    public RunCost Cost { get; private set; }

    public double PerSecond => Operations / Seconds;

    /// <summary>
    /// Runs <paramref name="first"/> and <paramref name="second"/> in alternating slices,
    /// for the warm-up time each, then for the measuring time each.
    /// </summary>
    public static void Interleave(BenchOptions options, SlicedWorkload first, SlicedWorkload second)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < options.WarmUpFor * 2)
        {
            first.RunSlice(measuring: false);
            second.RunSlice(measuring: false);
        }
        var seconds = options.MeasureFor.TotalSeconds;
        while (first.Seconds < seconds || second.Seconds < seconds)
        {
            if (first.Seconds < seconds)
                first.RunSlice(measuring: true);
            if (second.Seconds < seconds)
                second.RunSlice(measuring: true);
        }
    }

    public virtual void Dispose()
    {
    }

    /// <summary>Runs for about <paramref name="length"/> and returns the operations done; all of them finished on return.</summary>
    protected abstract long Run(TimeSpan length, bool measuring);

    private void RunSlice(bool measuring)
    {
        var before = measuring ? RunCost.Now() : default;
        var clock = Stopwatch.StartNew();
        var operations = Run(SliceLength, measuring);
        var elapsed = clock.Elapsed.TotalSeconds;
        if (!measuring)
            return;
        Cost += RunCost.Now() - before;
        Operations += operations;
        Seconds += elapsed;
    }
}

/// <summary>One step after another on the calling thread; disposes <paramref name="owned"/> with itself.</summary>
internal sealed class LoopWorkload(Action<bool> step, IDisposable? owned = null) : SlicedWorkload
{
    public override void Dispose() => owned?.Dispose();

    protected override long Run(TimeSpan length, bool measuring)
    {
        var clock = Stopwatch.StartNew();
        long steps = 0;
        do
        {
            step(measuring);
            steps++;
        }
        while (clock.Elapsed < length);
        return steps;
    }
}
