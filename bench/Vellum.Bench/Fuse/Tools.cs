using Vellum.Native;

namespace Vellum.Bench.Fuse;

/// <summary>The external programs the suite drives; it installs none of them.</summary>
internal static class Tools
{
    public const string InstallHint = "apt-get install -y fio bindfs fuse-overlayfs fuse3 rsync   (or: bash scripts/bench-deps.sh)";

    /// <summary>The dotnet host this process runs under when started by dotnet run, else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Null when <paramref name="program"/> is on PATH, else why the target cannot run.</summary>
    public static string? Missing(string program) => Find(program) is null ? $"{program} is not on PATH" : null;

    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The directory holding Vellum.sln, found upwards from the benchmark's binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vellum.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Vellum.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Writes dirty pages back, then drops the page, dentry and inode caches: the next read comes from the disk.</summary>
    public static void DropCaches()
    {
        LibC.Sync();
        File.WriteAllText("/proc/sys/vm/drop_caches", "3");
    }

    /// <summary>
    /// Microseconds in which some runnable task waited for a CPU (/proc/pressure/cpu, "some"
    /// total), or null without PSI: how much other work on the machine disturbed a run.
    /// </summary>
    public static long? CpuStallMicroseconds()
    {
        try
        {
            var some = File.ReadLines("/proc/pressure/cpu").FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal));
            var total = some?.Split(' ').FirstOrDefault(f => f.StartsWith("total=", StringComparison.Ordinal));
            return total is null ? null : long.Parse(total.AsSpan("total=".Length), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
