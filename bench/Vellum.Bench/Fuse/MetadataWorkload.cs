using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Bench.Fuse;

/// <summary>Seconds per phase of <see cref="MetadataWorkload"/>.</summary>
internal readonly record struct MetadataResult(double Create, double Stat, double Unlink)
{
    public double Total => Create + Stat + Unlink;
}

/// <summary>
/// Creates small files (open O_CREAT|O_EXCL, one write, close), stats each, unlinks each,
/// in one directory, one system call per step: what a build, an untar or a mail store does
/// to a filesystem, and where a FUSE mount pays a round trip per operation.
/// </summary>
internal static unsafe class MetadataWorkload
{
    private const int FileSize = 1024;

    public static MetadataResult Run(string directory, int files)
    {
        Directory.CreateDirectory(directory);
        var paths = Enumerable.Range(0, files).Select(i => Path.Combine(directory, $"f{i:D6}")).ToArray();
        var data = stackalloc byte[FileSize];
        new Span<byte>(data, FileSize).Fill((byte)'v');
        StatxBuffer stat;

        var clock = Stopwatch.StartNew();
        foreach (var path in paths)
        {
            var fd = LibC.Open(path, LibCConstants.OWrOnly | LibCConstants.OCreat | LibCConstants.OExcl | LibCConstants.OCloExec, 0x1A4);
            Check(fd >= 0, "open", path);
            Check(LibC.Write(fd, data, FileSize) == FileSize, "write", path);
            Check(LibC.Close(fd) == 0, "close", path);
        }
        var create = clock.Elapsed.TotalSeconds;

        clock.Restart();
        foreach (var path in paths)
        {
            Check(LibC.Statx(LibCConstants.AtFdCwd, path, 0, LibCConstants.StatxBasicStats, &stat) == 0, "stat", path);
            // The size proves the stat saw the written file, not a stale entry.
            Check(stat.Size == FileSize, "stat size", path);
        }
        var statSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        foreach (var path in paths)
            Check(LibC.UnlinkAt(LibCConstants.AtFdCwd, path, 0) == 0, "unlink", path);
        var unlink = clock.Elapsed.TotalSeconds;

        Directory.Delete(directory);
        return new MetadataResult(create, statSeconds, unlink);
    }

    private static void Check(bool ok, string call, string path)
    {
        if (!ok)
            throw new SystemCallException(call, path, LibC.LastError());
    }
}
