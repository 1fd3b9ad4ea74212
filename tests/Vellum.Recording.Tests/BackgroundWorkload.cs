using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>An <see cref="ExistingTreeWorkload"/> running on its own threads from construction until Dispose stops it.</summary>
internal sealed class BackgroundWorkload : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _load;

    public BackgroundWorkload(ExistingTreeWorkload workload, int threads)
    {
        Workload = workload;
        _load = new Thread(() => workload.Run(threads, int.MaxValue, _stop.Token));
        _load.Start();
    }

    public ExistingTreeWorkload Workload { get; }

    public void Dispose()
    {
        _stop.Cancel();
        _load.Join();
        _stop.Dispose();
    }
}
