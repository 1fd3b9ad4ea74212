using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vellum.Bench.Fuse;
using Vellum.Catalog;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;

namespace Vellum.Bench;

/// <summary>
/// Suite "timetravel" (so far: history): a store of 1,000,000 transactions over 100,000 files
/// (--quick: 100,000 over 10,000), written through the store library as a journaled mount
/// writes them (creates in 100 directories, then writes with RESULT, 1 % renames), then: the
/// catalog built from nothing (transactions/s: it must keep up with the journal), one file's
/// history with the catalog warm, in this process and through the `vellum history` CLI, and
/// the catalog brought up to date after 10,000 more transactions.
/// </summary>
public static class TimeTravelSuite
{
    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        var files = options.Quick ? 10_000 : 100_000;
        var transactions = options.Quick ? 100_000 : 1_000_000;
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-timetravel");
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var store = Path.Combine(root, "store");
        try
        {
            var writer = new Workload(store, files);
            var watch = Stopwatch.StartNew();
            writer.Write(transactions);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"store: {transactions:N0} transactions over {files:N0} files, {writer.StoreBytes / 1048576.0:F0} MiB, written in {watch.Elapsed.TotalSeconds:F1} s"));

            using (var built = StoreCatalog.Open(store))
            {
                var update = built.LastUpdate;
                report.Add("catalog_build_s", update.Elapsed.TotalSeconds, "s", $"{transactions:N0} transactions from nothing");
                report.Add("catalog_tx_per_s", update.TransactionsIndexed / update.Elapsed.TotalSeconds, "tx/s", "catalog building from nothing");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"catalog built ({update.RebuiltBecause}): {update.TransactionsIndexed:N0} transactions in {update.Elapsed.TotalSeconds:F1} s, {new FileInfo(built.Path).Length / 1048576.0:F0} MiB"));
            }

            var path = writer.PathOf(files / 2);
            var samples = new List<double>();
            var entries = 0;
            for (var run = 0; run < 5; run++)
            {
                watch.Restart();
                using var catalog = StoreCatalog.Open(store);
                entries = catalog.History(path, HistoryRange.All).Entries.Count;
                samples.Add(watch.Elapsed.TotalMilliseconds);
            }
            samples.Sort();
            report.Add("history_ms", samples[samples.Count / 2], "ms", $"one file ({entries} entries), warm catalog, open + update check + query, median of 5; target < 1,000");

            var cli = new List<double>();
            for (var run = 0; run < 3; run++)
                cli.Add(TimeCli(store, path));
            cli.Sort();
            report.Add("history_cli_ms", cli[cli.Count / 2], "ms", "the same through 'vellum history' (process start included), median of 3");

            var more = 10_000;
            writer.Write(more);
            using (var updated = StoreCatalog.Open(store))
            {
                var update = updated.LastUpdate;
                report.Add("catalog_update_tx_per_s", update.TransactionsIndexed / update.Elapsed.TotalSeconds, "tx/s", $"{update.TransactionsIndexed:N0} new transactions, {update.StoreBytesRead:N0} store bytes read");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        TimeTravelRollback.Run(report);
        return Task.CompletedTask;
    }

    private static double TimeCli(string store, string path)
    {
        var dll = Path.Combine(Tools.RepositoryRoot(), "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "history", store, path]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"vellum history exited {process.ExitCode}");
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Transactions as a journaled mount writes them: one operation, one record, with RESULT.</summary>
    private sealed class Workload
    {
        private const ushort Stream = 0x0100;
        private readonly SegmentStore _store;
        private readonly string[] _names;
        private readonly Random _random = new(22);
        private readonly byte[] _data = new byte[64];
        private ulong _next = 1;
        private ulong _time = 1_765_000_000UL * 1_000_000_000;

        public Workload(string directory, int files)
        {
            _store = SegmentStore.Open(directory, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "bench", "/bench") });
            _names = [.. Enumerable.Range(0, files).Select(i => string.Create(CultureInfo.InvariantCulture, $"d{i % 100}/f{i}"))];
        }

        public long StoreBytes => _store.WrittenPosition;

        public string PathOf(int file) => _names[file];

        public void Write(int transactions)
        {
            var batch = new MemoryStream();
            for (var i = 0; i < transactions; i++)
            {
                var id = _next++;
                var operation = id <= 100 ? MakeDirectory((int)id - 1) : id <= 100 + (ulong)_names.Length ? Create((int)(id - 101)) : Change();
                var buffer = new SubRecordBuffer();
                OperationEncoder.Encode(buffer, operation);
                var record = new byte[RecordCodec.AlignedSizeFor(buffer.Payload.Length)];
                RecordCodec.Write(record, StreamId.Begin | StreamId.End | Stream, id, buffer.Payload);
                batch.Write(record);
                if (batch.Length > 1 << 20)
                    Flush(batch);
            }
            Flush(batch);
            _store.WaitDurable(_store.WrittenPosition);
        }

        private void Flush(MemoryStream batch)
        {
            if (batch.Length > 0)
                _store.Append(batch.GetBuffer().AsSpan(0, (int)batch.Length));
            batch.SetLength(0);
        }

        private JournalOperation MakeDirectory(int index) => Operation(SubRecordType.Mkdir, string.Create(CultureInfo.InvariantCulture, $"d{index}"), 1_000_000 + (ulong)index, 4096);

        private JournalOperation Create(int file) => Operation(SubRecordType.Create, _names[file], 2_000_000 + (ulong)file, 0);

        private JournalOperation Change()
        {
            var file = _random.Next(_names.Length);
            if (_random.Next(100) == 0)
            {
                var from = _names[file];
                _names[file] = from + "r";
                var rename = Operation(SubRecordType.Rename, from, 2_000_000 + (ulong)file, 64);
                rename.Path2 = Encoding.UTF8.GetBytes(_names[file]);
                rename.Inode = 2_000_000 + (ulong)file;
                return rename;
            }
            var write = Operation(SubRecordType.Write, _names[file], 2_000_000 + (ulong)file, 64);
            _random.NextBytes(_data);
            write.Redo = new OperationState { Offset = 0, Data = _data };
            return write;
        }

        private JournalOperation Operation(SubRecordType kind, string path, ulong inode, ulong size)
        {
            _time += 1_000_000;
            return new JournalOperation
            {
                Kind = kind,
                Time = new JournalTimestamp((long)(_time / 1_000_000_000), (uint)(_time % 1_000_000_000)),
                Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 4242 },
                Path = Encoding.UTF8.GetBytes(path),
                Result = new OperationResult { Inode = inode, Attributes = new NodeAttributes { Mode = kind == SubRecordType.Mkdir ? 0x41EDu : 0x81A4u, Size = size } },
            };
        }
    }
}
