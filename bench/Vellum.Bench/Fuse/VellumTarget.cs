namespace Vellum.Bench.Fuse;

/// <summary>
/// The Vellum mount through the project's CLI without a journal, so the figure is the
/// passthrough's alone. The bench project builds the CLI in its own configuration (a
/// build-order reference), so a Release run measures the current code.
/// </summary>
internal sealed class VellumTarget(SuiteCleanup cleanup, string repository, string backing, string mountPoint)
    : FuseProcessTarget(cleanup, mountPoint, "fuse.vellum", TimeSpan.FromSeconds(30))
{
    private string Cli => Path.Combine(repository, "src", "Vellum.Cli", "bin", "Release", "net10.0", "vellum.dll");

    public override string Name => "vellum";

    public override string? Unavailable() => File.Exists(Cli)
        ? null
        : $"{Cli} not found; build it with: dotnet build -c Release src/Vellum.Cli";

    protected override IReadOnlyList<string> Command() =>
        [Tools.Dotnet, Cli, "mount", backing, WorkPath, "--no-journal"];
}
