using System.Globalization;

namespace Vellum.Bench.Fuse;

/// <summary>
/// What the fuse suite does on each target, in one fixed order: fio on one file (sequential
/// write, cold and warm sequential read, one random pass reading and one writing), then
/// the metadata workload. Each figure is handed to <c>record</c> as soon as it is known.
/// </summary>
internal sealed class FuseWorkload(Fio fio, bool haveFio, long size, int files)
{
    /// <summary>The sizes of a run: a 1 GiB file and 20,000 files, or 128 MiB and 2,000 with --quick.</summary>
    public static FuseWorkload For(BenchOptions options, Fio fio, bool haveFio) =>
        new(fio, haveFio, options.Quick ? 128L << 20 : 1L << 30, options.Quick ? 2_000 : 20_000);

    /// <summary>Bytes of the fio file.</summary>
    public long Size => size;

    /// <summary>Files of the metadata workload.</summary>
    public int Files => files;

    public void Run(MountedTarget target, Action<FuseMetric, double, string> record)
    {
        if (haveFio)
            RunFio(target, record);
        Tools.DropCaches();
        var meta = MetadataWorkload.Run(Path.Combine(target.WorkPath, "meta"), files);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name} meta: create {meta.Create:F2} s, stat {meta.Stat:F2} s, unlink {meta.Unlink:F2} s"));
        record(FuseMetric.Meta, meta.Total, string.Create(CultureInfo.InvariantCulture, $"{files:N0} files: create + write 1 KiB, stat, unlink"));
    }

    private void RunFio(MountedTarget target, Action<FuseMetric, double, string> record)
    {
        var file = Path.Combine(target.WorkPath, "fio.dat");
        var mib = $"{size >> 20} MiB";
        File.Delete(file);
        // fio's default invalidate=1 would drop the file's cache before each job, turning the
        // warm read cold; the suite drops caches itself where it means to.
        Tools.DropCaches();
        var write = fio.Run("seqwrite", file, "write", "1M", size, "--invalidate=0", "--end_fsync=1");
        record(FuseMetric.SeqWrite, write.BytesPerSecond / 1e6, $"{mib}, 1 MiB blocks, fsync at the end");

        Tools.DropCaches();
        var cold = fio.Run("seqread", file, "read", "1M", size, "--invalidate=0");
        record(FuseMetric.SeqRead, cold.BytesPerSecond / 1e6, $"{mib}, 1 MiB blocks, caches dropped");

        var warm = fio.Run("seqread", file, "read", "1M", size, "--invalidate=0");
        record(FuseMetric.SeqReadWarm, warm.BytesPerSecond / 1e6, $"{mib}, 1 MiB blocks, backing file cached");

        // One pass, each block once (fio's random map): a block read again would come from
        // the mount's own page cache and hide the cost of the request to the daemon.
        var randRead = fio.Run("randread", file, "randread", "4k", size, "--invalidate=0");
        record(FuseMetric.RandRead, randRead.Iops, $"every 4 KiB block of {mib} once, backing file cached");

        var randWrite = fio.Run("randwrite", file, "randwrite", "4k", size, "--invalidate=0");
        record(FuseMetric.RandWrite, randWrite.Iops, $"every 4 KiB block of {mib} once, buffered, no fsync");

        File.Delete(file);
    }
}
