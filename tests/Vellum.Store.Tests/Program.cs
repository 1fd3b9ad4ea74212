namespace Vellum.Store.Tests;

/// <summary>
/// Entry point of the test assembly (in place of the test SDK's empty one): the crash test
/// runs it as a child that commits transactions in a loop until it is killed.
/// </summary>
public static class Program
{
    public const string AppendLoop = "append-loop";

    public static int Main(string[] args)
    {
        if (args is not [AppendLoop, var directory, var seed])
            return 0;
        AppendUntilKilled(directory, int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>
    /// Commits transactions forever, printing "committed ID" after each commit returns. Some
    /// are cut into several records appended one by one with another transaction in between,
    /// some are large, and the segments are small, so a kill lands inside records, between
    /// the records of a transaction, at segment rolls and during fdatasync.
    /// </summary>
    private static void AppendUntilKilled(string directory, int seed)
    {
        var rng = new Random(seed);
        using var store = SegmentStore.Open(directory, Txn.Options(segmentSize: 256 * 1024, indexSpacing: 4096));
        Console.WriteLine($"opened {store.LastTransactionId} {store.Recovery}");
        while (true)
        {
            var id = store.LastTransactionId + 1;
            if (rng.Next(4) == 0)
            {
                var big = Txn.Records(id, rng.Next(20_000, 120_000), pieces: rng.Next(2, 6));
                var small = Txn.Single(id + 1, rng.Next(10, 400), StreamIdFor(1));
                // Each piece made durable on its own, as a producer streaming a large
                // transaction does: a kill between pieces leaves it open on disk.
                store.Commit(big[0]);
                store.Commit(small);
                foreach (var record in big.Skip(1))
                    store.Commit(record);
                Console.WriteLine($"committed {id}");
                Console.WriteLine($"committed {id + 1}");
            }
            else
            {
                store.Commit(Txn.Single(id, rng.Next(10, 2000)));
                Console.WriteLine($"committed {id}");
            }
        }
    }

    private static ushort StreamIdFor(int index) => (ushort)(Txn.Stream + index);
}
