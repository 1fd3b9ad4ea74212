using System.Diagnostics;
using System.Globalization;
using Vellum.Bench.Fuse;
using Vellum.Host;
using Vellum.Native;
using Vellum.Recording;

namespace Vellum.Bench;

/// <summary>
/// timetravel.rollback_vs_restic (the same with --quick): 2,000 files of 1–32 KiB in a journaled mount,
/// backed up by restic (a snapshot of the same files) at the same moment; every file is then
/// overwritten and renamed *.locked through the mount (ransomware), and the damage repaired
/// twice from the same moment: `vellum rollback MOUNTPOINT --to txid:N` (the process, through
/// the mount) against `restic restore latest --target DIR` of the snapshot. The figure is
/// restic's time over Vellum's: >= 1 means Vellum is faster. Needs root (FUSE) and restic.
/// </summary>
internal static class TimeTravelRollback
{
    /// <summary>Suite "rollback": only this comparison (the "timetravel" suite ends with it).</summary>
    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        Run(report);
        return Task.CompletedTask;
    }

    public static void Run(BenchReport report)
    {
        var missing = Tools.Missing("restic");
        if (missing is not null || LibC.GetEuid() != 0)
        {
            Console.WriteLine($"timetravel.rollback_vs_restic skipped: {missing ?? "not root (FUSE)"}; bash scripts/bench-deps.sh installs restic");
            return;
        }
        const int files = 2000;
        var root = Path.Combine(Path.GetTempPath(), "vellum-bench-rollback");
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var backing = Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
        var mountPoint = Directory.CreateDirectory(Path.Combine(root, "mnt")).FullName;
        var journal = Path.Combine(root, "journal");
        var repository = Path.Combine(root, "restic");
        try
        {
            Populate(backing, files);
            using var host = Mount(backing, mountPoint, journal);
            var moment = Settle(host, mountPoint);
            Restic(repository, "init");
            Restic(repository, "backup", "--quiet", backing);

            Damage(mountPoint);
            Settle(host, mountPoint);
            var dll = Path.Combine(Tools.RepositoryRoot(), "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");
            var watch = Stopwatch.StartNew();
            var summary = RunProcess(Tools.Dotnet, [dll, "rollback", mountPoint, "--to", $"txid:{moment}", "--json"], null);
            var vellum = watch.Elapsed.TotalSeconds;
            using (var json = System.Text.Json.JsonDocument.Parse(summary))
            {
                var inner = json.RootElement.GetProperty("seconds").GetDouble();
                report.Add("rollback_inner_s", inner, "s", "of which the rollback itself (its --json seconds: restore into the scratch directory, compare, apply, compare again), without process start, settling and reading the store's timeline");
            }

            watch.Restart();
            Restic(repository, "restore", "latest", "--target", Path.Combine(root, "restored"));
            var restic = watch.Elapsed.TotalSeconds;
            host.Stop();

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rollback of {files:N0} damaged files: vellum rollback {vellum:F2} s, restic restore {restic:F2} s"));
            report.Add("rollback_s", vellum, "s", $"vellum rollback of {files:N0} files overwritten and renamed *.locked (process start, restore of the moment, compare, apply, compare again)");
            report.Add("rollback_restic_s", restic, "s", $"restic restore of the same {files:N0} files from a snapshot taken before the damage");
            report.Add("rollback_vs_restic", restic / vellum, "x", "restic restore time / vellum rollback time; >= 1 means Vellum is faster");
        }
        finally
        {
            if (File.Exists("/proc/mounts") && File.ReadAllText("/proc/mounts").Contains(mountPoint, StringComparison.Ordinal))
                RunProcess("umount", ["-l", mountPoint], null);
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Populate(string backing, int files)
    {
        var random = new Random(22);
        for (var i = 0; i < files; i++)
        {
            var directory = Directory.CreateDirectory(Path.Combine(backing, $"d{i % 20}")).FullName;
            var bytes = new byte[random.Next(1024, 32 * 1024)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"f{i}.dat")), bytes);
        }
    }

    private static void Damage(string mountPoint)
    {
        var random = new Random(7);
        foreach (var path in Directory.EnumerateFiles(mountPoint, "*", SearchOption.AllDirectories).ToList())
        {
            var bytes = new byte[new FileInfo(path).Length];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            File.Move(path, path + ".locked");
        }
    }

    /// <summary>A journaled mount of <paramref name="backing"/>, once its baseline is recorded (5 minutes at most).</summary>
    internal static MountHost Mount(string backing, string mountPoint, string journal)
    {
        var host = MountHost.Start(new MountHostOptions
        {
            Backing = backing,
            MountPoint = mountPoint,
            Journal = new MountJournalOptions { Directory = journal, BackingDirectory = backing },
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (host.Journal!.Baseline.State != Recording.Baseline.BaselineState.Complete && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        return host;
    }

    /// <summary>Everything so far in the journal's store; the last transaction begun.</summary>
    internal static ulong Settle(MountHost host, string mountPoint)
    {
        var fd = LibC.Open(mountPoint, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        LibC.FSync(fd);
        LibC.Close(fd);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (host.Journal!.Status() is var status && (status.FifoBytesInUse != 0 || status.DurablePosition != status.WrittenPosition) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        return host.Journal.Status().LastTransactionId;
    }

    internal static void Restic(string repository, params string[] args) =>
        RunProcess("restic", ["--repo", repository, .. args], new Dictionary<string, string> { ["RESTIC_PASSWORD"] = "bench" });

    /// <summary>Runs a program to its end (failing on a non-zero exit); its standard output.</summary>
    internal static string RunProcess(string program, string[] args, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? [])
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return output;
    }
}
