using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vellum.Bench.Fuse;
using Vellum.Catalog;
using Vellum.Native;

namespace Vellum.Bench;

/// <summary>
/// timetravel.restore_vs_restic and timetravel.restore_vs_cp: a tree of 100,000 files of
/// 1–40 KiB, about 2 GiB, in 1,000 directories (--quick: 10,000 files, about 200 MiB),
/// written through a journaled mount by two writers, then changed so the journal holds dead
/// data: a fifth of the files written again whole, a tenth overwritten 4 KiB in the middle, 5 %
/// removed, 2 % renamed. The mount stopped, its catalog built (timed apart: the catalog is kept
/// beside the store and brought up to date as it grows), the final tree is restored three
/// ways, each into a new directory after a sync, every source in the page cache: `vellum
/// restore JOURNAL --at txid:LAST` (the process), `restic restore latest` of a snapshot of the
/// backing directory taken then, and `cp -a` of the backing directory. The figures are their
/// times over Vellum's: >= 1 means Vellum is faster. Needs root (FUSE) and restic.
/// </summary>
internal static class TimeTravelRestore
{
    public static void Run(BenchOptions options, BenchReport report)
    {
        var missing = Tools.Missing("restic");
        if (missing is not null || LibC.GetEuid() != 0)
        {
            Console.WriteLine($"timetravel.restore_vs_restic skipped: {missing ?? "not root (FUSE)"}; bash scripts/bench-deps.sh installs restic");
            return;
        }
        var files = options.Quick ? 10_000 : 100_000;
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-restore");
        Remove(root);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var backing = Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
        var mountPoint = Directory.CreateDirectory(Path.Combine(root, "mnt")).FullName;
        var journal = Path.Combine(root, "journal");
        var repository = Path.Combine(root, "restic");
        try
        {
            ulong moment;
            var watch = Stopwatch.StartNew();
            using (var host = TimeTravelRollback.Mount(backing, mountPoint, journal))
            {
                Parallel.For(0, 2, writer => Write(mountPoint, files, writer));
                Change(mountPoint, files);
                moment = TimeTravelRollback.Settle(host, mountPoint);
                host.Stop();
            }
            var (count, bytes) = Tree(backing);
            var storeBytes = Directory.EnumerateFiles(journal, "*.vseg").Sum(file => new FileInfo(file).Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"restore workload: {count:N0} files, {bytes / 1048576.0:F0} MiB in the final tree; the journal {storeBytes / 1048576.0:F0} MiB to txid:{moment}, written through the mount in {watch.Elapsed.TotalSeconds:F1} s"));

            using (var catalog = StoreCatalog.Open(journal))
                report.Add("restore_catalog_build_s", catalog.LastUpdate.Elapsed.TotalSeconds, "s", $"the catalog built from nothing ({catalog.LastUpdate.TransactionsIndexed:N0} transactions), before the restore; not in restore_s");

            TimeTravelRollback.Restic(repository, "init");
            TimeTravelRollback.Restic(repository, "backup", "--quiet", backing);

            var dll = Path.Combine(Tools.RepositoryRoot(), "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");
            var restored = Path.Combine(root, "vellum");
            var vellum = Timed(() =>
            {
                var summary = TimeTravelRollback.RunProcess(Tools.Dotnet, [dll, "restore", journal, "--at", string.Create(CultureInfo.InvariantCulture, $"txid:{moment}"), "--to", restored, "--json"], null);
                using var json = JsonDocument.Parse(summary);
                var (restoredFiles, restoredBytes) = (json.RootElement.GetProperty("files").GetInt64(), json.RootElement.GetProperty("bytes").GetInt64());
                if (restoredFiles != count || restoredBytes != bytes)
                    throw new InvalidOperationException($"vellum restored {restoredFiles:N0} files, {restoredBytes:N0} bytes; the tree holds {count:N0}, {bytes:N0}");
                Console.WriteLine($"vellum restore: {summary.Trim()}");
            });
            Remove(restored);
            var restic = Timed(() => TimeTravelRollback.Restic(repository, "restore", "latest", "--target", Path.Combine(root, "restic-restored")));
            Remove(Path.Combine(root, "restic-restored"));
            var copy = Timed(() => TimeTravelRollback.RunProcess("cp", ["-a", backing, Path.Combine(root, "copy")], null));
            Remove(Path.Combine(root, "copy"));

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restore of the whole tree: vellum restore {vellum:F2} s, restic restore {restic:F2} s, cp -a {copy:F2} s"));
            report.Add("restore_s", vellum, "s", $"vellum restore --at the last transaction of {count:N0} files ({bytes / 1048576.0:F0} MiB; journal {storeBytes / 1048576.0:F0} MiB with the overwritten and removed data), process start included, warm catalog");
            report.Add("restore_restic_s", restic, "s", "restic restore latest of a snapshot of the same final tree");
            report.Add("restore_cp_s", copy, "s", "cp -a of the backing directory");
            report.Add("restore_vs_restic", restic / vellum, "x", "restic restore time / vellum restore time; target >= 1.0");
            report.Add("restore_vs_cp", copy / vellum, "x", "cp -a time / vellum restore time; target >= 0.5");
        }
        finally
        {
            if (File.Exists("/proc/mounts") && File.ReadAllText("/proc/mounts").Contains(mountPoint, StringComparison.Ordinal))
                TimeTravelRollback.RunProcess("umount", ["-l", mountPoint], null);
            Remove(root);
        }
    }

    /// <summary>The files of every other directory, from <paramref name="writer"/> on: 1–40 KiB of random bytes each, written whole.</summary>
    private static void Write(string mountPoint, int files, int writer)
    {
        var random = new Random(22 + writer);
        var data = new byte[40 * 1024];
        for (var directory = writer; directory < files / 100; directory += 2)
        {
            var path = Directory.CreateDirectory(Path.Combine(mountPoint, string.Create(CultureInfo.InvariantCulture, $"d{directory}"))).FullName;
            for (var i = 0; i < 100; i++)
            {
                random.NextBytes(data);
                File.WriteAllBytes(Path.Combine(path, string.Create(CultureInfo.InvariantCulture, $"f{i}.dat")), data.AsSpan(0, random.Next(1024, data.Length + 1)));
            }
        }
    }

    /// <summary>Dead data for the journal: files written again whole, overwritten in part, removed and renamed.</summary>
    private static void Change(string mountPoint, int files)
    {
        var random = new Random(7);
        var data = new byte[40 * 1024];
        for (var file = 0; file < files; file++)
        {
            var path = Path.Combine(mountPoint, string.Create(CultureInfo.InvariantCulture, $"d{file / 100}/f{file % 100}.dat"));
            var dice = random.Next(100);
            random.NextBytes(data);
            if (dice < 20)
            {
                File.WriteAllBytes(path, data.AsSpan(0, random.Next(1024, data.Length + 1)));
            }
            else if (dice < 30)
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
                RandomAccess.Write(handle, data.AsSpan(0, 4096), RandomAccess.GetLength(handle) / 2);
            }
            else if (dice < 35)
            {
                File.Delete(path);
            }
            else if (dice < 37)
            {
                File.Move(path, path + ".renamed");
            }
        }
    }

    private static (long Files, long Bytes) Tree(string directory)
    {
        var found = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return (found.Count, found.Sum(file => file.Length));
    }

    private static double Timed(Action run)
    {
        LibC.Sync();
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>rm -rf: Directory.Delete was seen to fail part-way through a 100,000-file tree.</summary>
    private static void Remove(string path)
    {
        using var remove = Process.Start("rm", ["-rf", path]);
        remove.WaitForExit();
    }
}
