using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Bench.Fuse;

/// <summary>Per-iteration latency of <see cref="FsyncLatencyWorkload"/>, in microseconds.</summary>
internal readonly record struct FsyncLatencyResult(double P50, double P99, double Max, string Calls);

/// <summary>
/// What a database or a mail server does to commit: append one 4 KiB block at the end of a
/// file with pwrite, then make it durable, one iteration at a time, one file; each
/// iteration's wall time is recorded. Through a mount the loop calls fsync, as applications
/// do; on the backing directory itself it calls fdatasync: the raw cost of a write made
/// durable on the same disk, the anchor (an append changes the file size, so fdatasync
/// still commits that metadata).
/// </summary>
internal static unsafe class FsyncLatencyWorkload
{
    private const int BlockSize = 4096;

    /// <summary>Iterations not recorded: the first ones pay for P/Invoke stubs and the file's first blocks.</summary>
    private const int WarmUp = 20;

    public static FsyncLatencyResult Run(string file, int iterations, bool useFdatasync)
    {
        var calls = useFdatasync ? "pwrite 4 KiB at end + fdatasync" : "pwrite 4 KiB at end + fsync";
        var fd = LibC.Open(file, LibCConstants.OWrOnly | LibCConstants.OCreat | LibCConstants.OTrunc | LibCConstants.OCloExec, 0x1A4);
        Check(fd >= 0, "open", file);
        var latencies = new double[iterations];
        try
        {
            var data = stackalloc byte[BlockSize];
            new Span<byte>(data, BlockSize).Fill((byte)'v');
            long offset = 0;
            for (var i = -WarmUp; i < iterations; i++)
            {
                var start = Stopwatch.GetTimestamp();
                Check(LibC.PWrite(fd, data, BlockSize, offset) == BlockSize, "pwrite", file);
                Check((useFdatasync ? LibC.FDataSync(fd) : LibC.FSync(fd)) == 0, useFdatasync ? "fdatasync" : "fsync", file);
                var elapsed = Stopwatch.GetElapsedTime(start);
                offset += BlockSize;
                if (i >= 0)
                    latencies[i] = elapsed.TotalMicroseconds;
            }
        }
        finally
        {
            LibC.Close(fd);
        }
        File.Delete(file);
        Array.Sort(latencies);
        return new FsyncLatencyResult(Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1], calls);
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="fraction"/> of all values at or below it.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void Check(bool ok, string call, string path)
    {
        if (!ok)
            throw new SystemCallException(call, path, LibC.LastError());
    }
}
