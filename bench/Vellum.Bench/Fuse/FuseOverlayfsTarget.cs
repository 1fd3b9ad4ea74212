namespace Vellum.Bench.Fuse;

/// <summary>
/// fuse-overlayfs with the backing directory as its upper layer over an empty lower one:
/// every operation lands in the backing directory, as with a passthrough.
/// </summary>
internal sealed class FuseOverlayfsTarget(SuiteCleanup cleanup, string backing, string lower, string work, string mountPoint)
    : FuseProcessTarget(cleanup, mountPoint, "fuse.fuse-overlayfs", TimeSpan.FromSeconds(15))
{
    public override string Name => "overlayfs";

    public override string? Unavailable() => Tools.Missing("fuse-overlayfs");

    protected override IReadOnlyList<string> Command() =>
        ["fuse-overlayfs", "-f", "-o", $"lowerdir={lower},upperdir={backing},workdir={work}", WorkPath];
}
