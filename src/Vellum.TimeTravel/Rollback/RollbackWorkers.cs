using System.Runtime.ExceptionServices;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// Applies one step of a rollback to many names on several threads. Each change through a
/// journaled mount waits far longer than it computes (a FUSE round trip, a transaction written
/// ahead), and the mount's daemon serves requests on several threads, so changes in flight
/// together overlap their waits. Dedicated threads, not the pool: they block in syscalls.
/// The first failure stops the others taking more names and is thrown as it was.
/// </summary>
internal static class RollbackWorkers
{
    private static readonly int Count = Math.Clamp(Environment.ProcessorCount * 2, 2, 8);

    public static void Run<T>(IReadOnlyList<T> names, Action<T> apply, CancellationToken cancellation)
    {
        if (names.Count <= 1)
        {
            foreach (var name in names)
            {
                cancellation.ThrowIfCancellationRequested();
                apply(name);
            }
            return;
        }
        var next = -1;
        ExceptionDispatchInfo? failure = null;
        var threads = new List<Thread>();
        for (var i = 0; i < Math.Min(Count, names.Count); i++)
        {
            var thread = new Thread(Work) { IsBackground = true, Name = "vellum rollback" };
            threads.Add(thread);
            thread.Start();
        }
        foreach (var thread in threads)
            thread.Join();
        failure?.Throw();
        cancellation.ThrowIfCancellationRequested();

        void Work()
        {
            while (Volatile.Read(ref failure) is null && !cancellation.IsCancellationRequested && Interlocked.Increment(ref next) is var index && index < names.Count)
            {
                try
                {
                    apply(names[index]);
                }
                catch (Exception error)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(error), null);
                }
            }
        }
    }
}
