using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Vellum.Replication.Tests;

/// <summary>
/// A `vellum serve` child on a loopback port. The first start lets serve pick a free port and
/// reads it from its "listening on" line; later starts (after <see cref="Kill"/>) take the same
/// port and directories, as a target restarting after a crash would.
/// </summary>
internal sealed partial class ServeDaemon(string store, string secrets, string? mirror, bool insecure) : IDisposable
{
    private readonly List<string> _earlier = [];
    private VellumProcess? _process;

    public string Store { get; } = store;

    public string? Mirror { get; } = mirror;

    /// <summary>Where it listens; null before the first start.</summary>
    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>The certificate fingerprint it printed ("sha256:..."); null with --insecure.</summary>
    public string? Fingerprint { get; private set; }

    public bool Running => _process is { HasExited: false };

    /// <summary>The umask it starts with (<see cref="VellumProcess.Start"/>); null: this process's.</summary>
    public uint? Umask { get; init; }

    /// <summary>Every stderr line of every start, for failure messages.</summary>
    public string Log => string.Join('\n', _earlier.Concat(_process?.Lines ?? []));

    /// <summary>Starts it and returns once it listens; on the port of the previous start if there was one.</summary>
    public void Start()
    {
        if (Running)
            throw new InvalidOperationException("vellum serve is running already");
        Retire();
        var port = Endpoint?.Port ?? 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            List<string> args = ["serve", "--store", Store, "--listen", $"127.0.0.1:{port}", "--secrets", secrets];
            if (Mirror is not null)
                args.AddRange(["--mirror", Mirror]);
            if (insecure)
                args.Add("--insecure");
            _process = VellumProcess.Start(args, Umask);
            var listening = _process.WaitForLine(line => line.Contains(" listening on ", StringComparison.Ordinal), ReplicationRig.Patience);
            if (listening is not null)
            {
                var match = ListeningLine().Match(listening);
                Assert.True(match.Success, $"unexpected listening line: {listening}");
                Endpoint = new IPEndPoint(IPAddress.Loopback, int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
                Fingerprint = match.Groups["fingerprint"].Success ? match.Groups["fingerprint"].Value : null;
                Assert.True(insecure == (Fingerprint is null), $"TLS expected {!insecure}: {listening}");
                return;
            }
            var exited = _process.WaitForExit(ReplicationRig.Patience);
            // A restart can find its port still held for a moment by the killed predecessor's
            // sockets; each attempt is a whole process start, so retrying paces itself.
            var busy = _process.Lines.Any(line => line.Contains("already in use", StringComparison.OrdinalIgnoreCase));
            Retire();
            if (exited is null || !busy || port == 0 || clock.Elapsed > ReplicationRig.Patience)
                throw new InvalidOperationException($"vellum serve did not come up (exit {exited?.ToString(CultureInfo.InvariantCulture) ?? "none"}):\n{Log}");
        }
    }

    /// <summary>The first stderr line of the running serve that matches, waiting up to <paramref name="timeout"/>; null if none came.</summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("vellum serve is not running")).WaitForLine(match, timeout);

    /// <summary>SIGKILL: no chance to sync, acknowledge or close anything.</summary>
    public void Kill()
    {
        var process = _process ?? throw new InvalidOperationException("vellum serve is not running");
        process.Kill(ReplicationRig.Patience);
        Retire();
    }

    private void Retire()
    {
        if (_process is not { } process)
            return;
        _process = null;
        _earlier.AddRange(process.Lines);
        _earlier.Add("--- (serve process ended)");
        process.Dispose();
    }

    public void Dispose() => Retire();

    [GeneratedRegex(@" listening on [^ ]*:(?<port>\d+) \((?:.*certificate (?<fingerprint>sha256:[0-9a-f]+))?")]
    private static partial Regex ListeningLine();
}
