using Vellum.Bench.Fuse;

namespace Vellum.Bench.Replication;

/// <summary>
/// The journaled Vellum mount replicating to a `vellum serve` on loopback over TLS with the
/// server's fingerprint pinned, as a user would run it (plain TCP for an empty fingerprint,
/// --insecure); with <c>--sync remote</c> an fsync
/// returns once the target acknowledged everything before it durable.
/// </summary>
internal sealed class ReplicatingTarget(SuiteCleanup cleanup, string repository, string backing, string mountPoint, string journal, int port, string secretFile, string fingerprint, string sync)
    : VellumTarget(cleanup, repository, backing, mountPoint, "replicating")
{
    protected override TimeSpan ExitTimeout => TimeSpan.FromSeconds(60);

    protected override IReadOnlyList<string> MountOptions() =>
    [
        "--journal", journal, "--rebind-journal", "--replicate", $"tcp://127.0.0.1:{port}", "--secret-file", secretFile,
        .. fingerprint.Length == 0 ? ["--insecure"] : new[] { "--tls-fingerprint", fingerprint },
        "--sync", sync, "--remote-timeout", "600",
    ];
}
