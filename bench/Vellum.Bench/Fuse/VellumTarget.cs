namespace Vellum.Bench.Fuse;

/// <summary>
/// The Vellum mount through the project's CLI, by default without a journal, so the figure is
/// the passthrough's alone. The bench project builds the CLI in its own configuration (a
/// build-order reference), so a Release run measures the current code.
/// </summary>
/// <param name="name">Figure prefix: "vellum" in the fuse suite, "nojournal" in the mount suite.</param>
internal class VellumTarget(SuiteCleanup cleanup, string repository, string backing, string mountPoint, string name = "vellum")
    : FuseProcessTarget(cleanup, mountPoint, "fuse.vellum", TimeSpan.FromSeconds(30))
{
    private string Cli => Path.Combine(repository, "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");

    public override string Name => name;

    public override string? Unavailable() => File.Exists(Cli)
        ? null
        : $"{Cli} not found; build it with: dotnet build -c Release src/Vellum.Cli";

    /// <summary>The options after BACKING and MOUNTPOINT.</summary>
    protected virtual IReadOnlyList<string> MountOptions() => ["--no-journal"];

    protected sealed override IReadOnlyList<string> Command() =>
        [Tools.Dotnet, Cli, "mount", backing, WorkPath, .. MountOptions()];
}
