using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Vellum.Native;

namespace Vellum.Bench.Replication;

/// <summary>
/// A `vellum serve` child on a loopback port, with TLS (its self-signed certificate, whose
/// fingerprint it prints) or --insecure: ready once it says it is listening; stopped with SIGTERM.
/// </summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServeProcess(string cli, string store, int port, string secrets, bool insecure)
    {
        var info = new ProcessStartInfo(Fuse.Tools.Dotnet) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { cli, "serve", "--store", store, "--listen", $"127.0.0.1:{port}", "--secrets", secrets })
            info.ArgumentList.Add(argument);
        if (insecure)
            info.ArgumentList.Add("--insecure");
        _process = Process.Start(info) ?? throw new InvalidOperationException("vellum serve did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
                return;
            _errors.Enqueue(line);
            if (FingerprintPattern().Match(line) is { Success: true } match)
                _listening.TrySetResult(match.Value);
            else if (line.Contains(": listening on ", StringComparison.Ordinal) && insecure)
                _listening.TrySetResult("");
            if (line.Contains(": receiving from store position ", StringComparison.Ordinal))
                _session.TrySetResult(Stopwatch.GetTimestamp());
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (!_listening.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            Dispose();
            throw new InvalidOperationException($"vellum serve did not start listening: {string.Join(" | ", _errors)}");
        }
        Fingerprint = _listening.Task.Result;
    }

    /// <summary>The certificate's fingerprint to pin; empty with --insecure.</summary>
    public string Fingerprint { get; }

    /// <summary>The Stopwatch timestamp at which the first source session was accepted (its log line read).</summary>
    public Task<long> FirstSession => _session.Task;

    public string Log => string.Join(" | ", _errors.TakeLast(10));

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex FingerprintPattern();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            LibC.Kill(_process.Id, LibCConstants.SigTerm);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
                _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
        _process.Dispose();
    }
}
