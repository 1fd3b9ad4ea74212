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
/// Suite "timetravel" (history, cat, then rollback and restore, TimeTravelRollback and TimeTravelRestore): a store of 1,000,000 transactions over 100,000 files
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

            var middle = MeasureCat(store, path, report);
            CompareWithResticDump(root, store, writer.Names, path, middle, report);

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
            // rm -rf: Directory.Delete was seen to fail part-way through the 100,000-file tree.
            using var remove = Process.Start("rm", ["-rf", root]);
            remove.WaitForExit();
        }
        TimeTravelRollback.Run(report);
        TimeTravelRestore.Run(options, report);
        return Task.CompletedTask;
    }

    /// <summary>
    /// `cat --at` of one file at the middle of the history (warm catalog): the catalog opened
    /// and checked, the file found at the moment, its transactions up to it read from the store
    /// and applied; median of 20. restic's `dump` anchor is not run here (the store is written
    /// through the library, there is no tree of files to snapshot).
    /// </summary>
    private static ulong MeasureCat(string store, string path, BenchReport report)
    {
        ulong middle;
        using (var catalog = StoreCatalog.Open(store))
            middle = catalog.NewestMoment()!.Value.Id / 2;
        var samples = new List<double>();
        var bytes = 0L;
        var read = 0;
        for (var run = 0; run < 20; run++)
        {
            var watch = Stopwatch.StartNew();
            using var catalog = StoreCatalog.Open(store);
            var file = FileAtMoment.Find(catalog, path, middle, out _) ?? throw new InvalidOperationException($"{path} not found at txid:{middle}");
            using var content = new FileStream(Path.Combine(Path.GetTempPath(), $"vellum-bench-cat-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.DeleteOnClose);
            file.WriteContent(content.SafeFileHandle);
            content.Position = 0;
            content.CopyTo(Stream.Null);
            bytes = content.Length;
            read = file.TransactionsRead;
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        report.Add("cat_p50_ms", samples[samples.Count / 2], "ms", $"one file ({bytes:N0} bytes, {read} transactions read) at txid:{middle}, warm catalog, median of 20; target < 100");
        return middle;
    }

    /// <summary>
    /// The anchor: restic (Debian's) with a snapshot of a tree of the same shape (the same
    /// names, 64 bytes each), `restic dump` of the same file against `vellum cat --at`, both as
    /// processes (start included), median of 3 each; skipped with a message when restic is missing.
    /// </summary>
    private static void CompareWithResticDump(string root, string store, IReadOnlyList<string> names, string path, ulong middle, BenchReport report)
    {
        if (!File.Exists("/usr/bin/restic"))
        {
            Console.WriteLine("timetravel.cat_vs_restic_dump skipped: restic is not installed (scripts/bench-deps.sh installs it)");
            return;
        }
        var tree = Path.Combine(root, "tree");
        var data = new byte[64];
        var random = new Random(22);
        foreach (var name in names.Append(path).Distinct())
        {
            var file = Path.Combine(tree, name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            random.NextBytes(data);
            File.WriteAllBytes(file, data);
        }
        var repository = Path.Combine(root, "restic");
        var environment = new Dictionary<string, string> { ["RESTIC_REPOSITORY"] = repository, ["RESTIC_PASSWORD"] = "bench" };
        Tool("/usr/bin/restic", ["init", "--quiet"], environment);
        var watch = Stopwatch.StartNew();
        Tool("/usr/bin/restic", ["backup", "--quiet", tree], environment);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restic: {names.Count:N0} files backed up in {watch.Elapsed.TotalSeconds:F1} s"));
        var dll = Path.Combine(Tools.RepositoryRoot(), "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");
        var restic = new List<double>();
        var vellum = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            watch.Restart();
            Tool("/usr/bin/restic", ["dump", "--quiet", "latest", Path.Combine(tree, path)], environment);
            restic.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            Tool("dotnet", [dll, "cat", store, path, "--at", string.Create(CultureInfo.InvariantCulture, $"txid:{middle}")], new Dictionary<string, string>());
            vellum.Add(watch.Elapsed.TotalMilliseconds);
        }
        restic.Sort();
        vellum.Sort();
        report.Add("cat_cli_ms", vellum[1], "ms", "'vellum cat --at' of that file as a process (start and JIT included), median of 3");
        report.Add("restic_dump_ms", restic[1], "ms", $"'restic dump latest' of the same file from a snapshot of a tree of the same {names.Count:N0} names, median of 3");
        report.Add("cat_vs_restic_dump", restic[1] / vellum[1], "x", "restic dump time / vellum cat time; >= 1 means vellum is faster; target >= 1");
    }

    private static void Tool(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(Stream.Null);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result}");
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
                // The first transaction also completes an (empty) baseline, as a mount's journal has one: `vellum cat` names moments from there.
                if (id == 1)
                    OperationEncoder.Encode(buffer, BaselineComplete(operation.Time));
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

        private static JournalOperation BaselineComplete(JournalTimestamp time) => new()
        {
            Kind = SubRecordType.Baseline,
            Time = time,
            Credentials = new Credentials { Uid = 0, Gid = 0, Pid = 4242 },
            Redo = new OperationState { Flags = (uint)BaselineFlags.Complete },
        };

        public IReadOnlyList<string> Names => _names;

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
