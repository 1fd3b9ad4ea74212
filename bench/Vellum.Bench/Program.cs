using Vellum.Bench;

// vellum-bench SUITE [--quick]: runs one suite, prints a table and one line per figure:
// "bench SUITE.NAME VALUE UNIT", for scripts.
var suites = new Dictionary<string, Func<BenchOptions, BenchReport, Task>>(StringComparer.Ordinal)
{
    ["journal"] = JournalSuite.RunAsync,
    ["fuse"] = FuseSuite.RunAsync,
    ["store"] = StoreSuite.RunAsync,
    ["mount"] = MountSuite.RunAsync,
    ["replication"] = ReplicationSuite.RunAsync,
    ["baseline"] = BaselineSuite.RunAsync,
    ["timetravel"] = TimeTravelSuite.RunAsync,
    ["rollback"] = TimeTravelRollback.RunAsync,
};

var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var options = new BenchOptions(Quick: args.Contains("--quick"));
if (names.Count != 1 || !suites.TryGetValue(names[0], out var suite))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project bench/Vellum.Bench -- SUITE [--quick]; suites: {string.Join(", ", suites.Keys)}");
    return 2;
}

var report = new BenchReport(names[0]);
await suite(options, report);
report.PrintTable();
return 0;
