namespace Vellum.Bench.Fuse;

/// <summary>
/// One measured quantity of the fuse suite. <see cref="Key"/> names its ratios
/// (seqwrite_vs_native); <see cref="Figure"/> names the raw value after the target's
/// prefix (native_seqwrite_mb_per_s).
/// </summary>
internal sealed record FuseMetric(string Key, string Figure, string Unit, bool HigherIsBetter)
{
    public static readonly FuseMetric SeqWrite = new("seqwrite", "seqwrite_mb_per_s", "MB/s", true);
    public static readonly FuseMetric SeqRead = new("seqread", "seqread_cold_mb_per_s", "MB/s", true);
    public static readonly FuseMetric SeqReadWarm = new("seqread_warm", "seqread_warm_mb_per_s", "MB/s", true);
    public static readonly FuseMetric RandRead = new("randread", "randread_iops", "IOPS", true);
    public static readonly FuseMetric RandWrite = new("randwrite", "randwrite_iops", "IOPS", true);
    public static readonly FuseMetric Meta = new("meta", "meta_s", "s", false);

    /// <summary>The fuse suite's metrics, the workloads of <see cref="FuseWorkload"/>.</summary>
    public static readonly IReadOnlyList<FuseMetric> All = [SeqWrite, SeqRead, SeqReadWarm, RandRead, RandWrite, Meta];

    // The mount suite's fsync latency loop (FsyncLatencyWorkload), not part of the fuse suite.
    public static readonly FuseMetric FsyncP50 = new("fsync_p50", "fsync_p50_us", "us", false);
    public static readonly FuseMetric FsyncP99 = new("fsync_p99", "fsync_p99_us", "us", false);

    /// <summary>How many times faster <paramref name="value"/> is than <paramref name="anchor"/>: above 1 means faster.</summary>
    public double Ratio(double value, double anchor) => HigherIsBetter ? value / anchor : anchor / value;
}
