namespace Vellum.Testing;

/// <summary>How the random workloads run: several threads at once, each with its own generator derived from one seed, so a run can be repeated.</summary>
public static class WorkerThreads
{
    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> background threads (thread i gets Random(seed * 31 + i)) and waits for all of them.</summary>
    public static void Run(int threads, int seed, Action<Random> work)
    {
        var workers = Enumerable.Range(0, threads)
            .Select(i => new Thread(() => work(new Random(seed * 31 + i))) { IsBackground = true })
            .ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
    }
}
