using System.Collections.Concurrent;
using System.Diagnostics;
using Vellum.Bench.Store;
using Vellum.Journal.Format;
using Vellum.Replication;
using Vellum.Store;

namespace Vellum.Bench.Replication;

/// <summary>
/// Replication lag under a steady load: an application thread commits one small transaction
/// to a source store every 1/rate seconds (append and fdatasync, as an fsync through the
/// mount makes it durable), a real sender streams the store to a real target over TLS on
/// loopback, and an observer records, for each commit, the time from its commit returning
/// to the target's acknowledgement covering it. In one process, so both clocks are one.
/// </summary>
internal static class LagProbe
{
    private const int PayloadBytes = 200;

    public static (double[] LagsMs, double AchievedRate) Run(string root, int rate, TimeSpan duration)
    {
        var header = JournalHeader.Create(Guid.NewGuid(), 1, Environment.MachineName, "/bench");
        using var source = SegmentStore.Open(Path.Combine(root, "lag-source"), new StoreOptions { Header = header });
        using var target = new InProcessTarget(Path.Combine(root, "lag-target"));
        using var syncer = new SpoolSyncer(source);
        using var sender = target.SenderOf(source);
        if (!sender.WaitAcknowledged(source.WrittenPosition, TimeSpan.FromSeconds(30)))
            throw new InvalidOperationException($"lag probe: the target never acknowledged: {sender.Problem}");

        using var commits = new BlockingCollection<Commit>();
        var lags = new List<double>();
        var observer = new Thread(() =>
        {
            foreach (var commit in commits.GetConsumingEnumerable())
            {
                sender.WaitAcknowledged(commit.Position, TimeSpan.FromSeconds(30));
                lags.Add(Stopwatch.GetElapsedTime(commit.Committed).TotalMilliseconds);
            }
        }) { Name = "lag observer" };
        observer.Start();
        var record = new TransactionRecord(StreamId.FirstTransaction, PayloadBytes);
        var interval = Stopwatch.Frequency / rate;
        var clock = Stopwatch.StartNew();
        var next = Stopwatch.GetTimestamp();
        var id = source.LastTransactionId;
        var count = 0;
        while (clock.Elapsed < duration)
        {
            while (Stopwatch.GetTimestamp() < next)
                Thread.SpinWait(20);
            next += interval;
            var end = source.Commit(record.For(++id));
            commits.Add(new Commit(end, Stopwatch.GetTimestamp()));
            count++;
        }
        var achieved = count / clock.Elapsed.TotalSeconds;
        commits.CompleteAdding();
        observer.Join();
        return ([.. lags], achieved);
    }

    private readonly record struct Commit(long Position, long Committed);
}
