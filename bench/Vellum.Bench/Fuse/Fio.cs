using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Vellum.Bench.Fuse;

/// <summary>One fio job's result: bytes and operations per second of its read or write side.</summary>
internal readonly record struct FioResult(double BytesPerSecond, double Iops, double Seconds);

/// <summary>
/// Runs one fio job (single thread, psync: one system call per block, the way a FUSE mount
/// sees an ordinary program) and reads its --output-format=json. fio's runtime includes
/// the fsync of --end_fsync, so a write figure with it counts the data reaching the disk.
/// </summary>
internal sealed class Fio(SuiteCleanup cleanup)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public FioResult Run(string name, string file, string rw, string blockSize, long size, params string[] extra)
    {
        var info = new ProcessStartInfo("fio") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            $"--name={name}", $"--filename={file}", $"--rw={rw}", $"--bs={blockSize}",
            string.Create(CultureInfo.InvariantCulture, $"--size={size}"),
            "--ioengine=psync", "--numjobs=1", "--output-format=json", .. extra,
        ];
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("fio did not start");
        cleanup.WorkloadStarted(process);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        // A mount under development may stop answering; the run then loses that target
        // instead of hanging (the slowest job seen took under 30 s).
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            cleanup.WorkloadEnded();
            throw new InvalidOperationException($"fio {name} did not finish within {Timeout.TotalMinutes:F0} min; killed");
        }
        process.WaitForExit();
        cleanup.WorkloadEnded();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"fio {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result.Trim()}");
        return Parse(output.Result, rw.Contains("write", StringComparison.Ordinal) ? "write" : "read");
    }

    private static FioResult Parse(string output, string side)
    {
        // fio may print notes before the JSON document on stdout.
        var start = output.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
            throw new InvalidOperationException($"no JSON in fio's output: {output}");
        using var document = JsonDocument.Parse(output.AsMemory(start));
        var job = document.RootElement.GetProperty("jobs")[0];
        if (job.GetProperty("error").GetInt32() != 0)
            throw new InvalidOperationException($"fio job failed with error {job.GetProperty("error").GetInt32()}");
        var figures = job.GetProperty(side);
        var bytes = figures.GetProperty("io_bytes").GetDouble();
        var ios = figures.GetProperty("total_ios").GetDouble();
        var seconds = figures.GetProperty("runtime").GetDouble() / 1000;
        if (seconds <= 0)
            throw new InvalidOperationException($"fio reported no {side} runtime");
        return new FioResult(bytes / seconds, ios / seconds, seconds);
    }
}
