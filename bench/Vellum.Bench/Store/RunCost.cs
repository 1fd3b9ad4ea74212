using System.Buffers.Binary;
using System.Globalization;
using Vellum.Native;

namespace Vellum.Bench.Store;

/// <summary>
/// What a measurement cost the process (CPU time, context switches, from getrusage) and how
/// much other work on the machine got in its way (PSI: time some task waited for a CPU or
/// for I/O), between two snapshots.
/// </summary>
internal readonly record struct RunCost(double CpuSeconds, long VoluntarySwitches, long InvoluntarySwitches, long CpuStallMicroseconds, long IoStallMicroseconds)
{
    public static unsafe RunCost Now()
    {
        var usage = stackalloc byte[LibCConstants.RUsageBufferSize];
        new Span<byte>(usage, LibCConstants.RUsageBufferSize).Clear();
        double cpu = 0;
        long voluntary = 0, involuntary = 0;
        if (LibC.GetRUsage(LibCConstants.RUsageSelf, usage) == 0)
        {
            // struct rusage: ru_utime and ru_stime (timeval: seconds, microseconds), then 14 longs, ru_nvcsw and ru_nivcsw the last two.
            var fields = new ReadOnlySpan<byte>(usage, 144);
            cpu = Seconds(fields) + Seconds(fields[16..]);
            voluntary = BinaryPrimitives.ReadInt64LittleEndian(fields[128..]);
            involuntary = BinaryPrimitives.ReadInt64LittleEndian(fields[136..]);
        }
        return new RunCost(cpu, voluntary, involuntary, StallMicroseconds("cpu"), StallMicroseconds("io"));
    }

    public static RunCost operator -(RunCost after, RunCost before) => new(
        after.CpuSeconds - before.CpuSeconds,
        after.VoluntarySwitches - before.VoluntarySwitches,
        after.InvoluntarySwitches - before.InvoluntarySwitches,
        after.CpuStallMicroseconds - before.CpuStallMicroseconds,
        after.IoStallMicroseconds - before.IoStallMicroseconds);

    public static RunCost operator +(RunCost a, RunCost b) => new(
        a.CpuSeconds + b.CpuSeconds,
        a.VoluntarySwitches + b.VoluntarySwitches,
        a.InvoluntarySwitches + b.InvoluntarySwitches,
        a.CpuStallMicroseconds + b.CpuStallMicroseconds,
        a.IoStallMicroseconds + b.IoStallMicroseconds);

    /// <summary>Per operation, over <paramref name="seconds"/> of wall time.</summary>
    public string Describe(long operations, double seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{CpuSeconds * 1e6 / operations:F1} us CPU, {(double)(VoluntarySwitches + InvoluntarySwitches) / operations:F2} context switches per op, {CpuSeconds / seconds:F2} cores busy; machine: cpu stall {CpuStallMicroseconds / 1e6 / seconds:P0}, io stall {IoStallMicroseconds / 1e6 / seconds:P0}");

    private static double Seconds(ReadOnlySpan<byte> timeval) =>
        BinaryPrimitives.ReadInt64LittleEndian(timeval) + BinaryPrimitives.ReadInt64LittleEndian(timeval[8..]) / 1e6;

    /// <summary>"some" total of /proc/pressure/<paramref name="resource"/>, 0 without PSI.</summary>
    private static long StallMicroseconds(string resource)
    {
        try
        {
            var some = File.ReadLines($"/proc/pressure/{resource}").FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal));
            var total = some?.Split(' ').FirstOrDefault(f => f.StartsWith("total=", StringComparison.Ordinal));
            return total is null ? 0 : long.Parse(total.AsSpan("total=".Length), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
