namespace Vellum.Bench.Fuse;

/// <summary>
/// bindfs with its defaults, as a user would run it: as root it adds allow_other and
/// default_permissions itself and serves requests on one thread.
/// </summary>
internal sealed class BindfsTarget(SuiteCleanup cleanup, string backing, string mountPoint)
    : FuseProcessTarget(cleanup, mountPoint, "fuse", TimeSpan.FromSeconds(15))
{
    public override string Name => "bindfs";

    public override string? Unavailable() => Tools.Missing("bindfs");

    protected override IReadOnlyList<string> Command() => ["bindfs", "-f", backing, WorkPath];
}
