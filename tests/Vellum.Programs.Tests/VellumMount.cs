using System.Diagnostics;
using System.Text.Json;
using Vellum.Fuse;
using Vellum.Testing;

namespace Vellum.Programs.Tests;

/// <summary>
/// A real `vellum mount BACKING MNT` daemon as a child process, journaled into JOURNAL or
/// with --no-journal. Dispose stops it and lazily unmounts on every path.
/// </summary>
internal sealed class VellumMount : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<string> _log = [];
    private Process? _daemon;

    private VellumMount(string backing, string mountPoint, string? journal)
    {
        Backing = backing;
        MountPoint = mountPoint;
        Journal = journal;
    }

    public string Backing { get; }

    public string MountPoint { get; }

    /// <summary>The journal's directory, null for a --no-journal mount.</summary>
    public string? Journal { get; }

    /// <summary>Everything the daemon wrote to stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return string.Join('\n', _log);
        }
    }

    /// <summary>Mounts BACKING at MOUNTPOINT and returns once the daemon reports the mount.</summary>
    public static VellumMount Start(string backing, string mountPoint, string? journal)
    {
        var mount = new VellumMount(backing, mountPoint, journal);
        try
        {
            mount.Run();
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    private static string Program => Path.Combine(AppContext.BaseDirectory, "vellum.dll");

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    /// <summary>
    /// More options, to run the suite against another mode: VELLUM_PROGRAMS_MOUNT_OPTIONS for
    /// both mounts (--no-passthrough), VELLUM_PROGRAMS_JOURNAL_OPTIONS for the journaled one
    /// (--reversible, --sync none ...); each split at spaces.
    /// </summary>
    private string[] ExtraOptions => [.. Variable("VELLUM_PROGRAMS_MOUNT_OPTIONS"), .. Journal is null ? [] : Variable("VELLUM_PROGRAMS_JOURNAL_OPTIONS")];

    private static string[] Variable(string name) =>
        (Environment.GetEnvironmentVariable(name) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private void Run()
    {
        string[] journalOptions = Journal is null ? ["--no-journal"] : ["--journal", Journal];
        var start = new ProcessStartInfo(DotnetHost, ["exec", Program, "mount", Backing, MountPoint, .. journalOptions, .. ExtraOptions])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var daemon = Process.Start(start)!;
        _daemon = daemon;
        var mounted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                mounted.TrySetResult(false);
                return;
            }
            lock (_log)
                _log.Add(line.Data);
            if (line.Data.Contains(" mounted at ", StringComparison.Ordinal))
                mounted.TrySetResult(true);
        };
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
        if (!mounted.Task.Wait(Patience) || !mounted.Task.Result)
            throw new InvalidOperationException($"vellum mount did not come up:\n{Log}");
    }

    /// <summary>Waits until `vellum status --json` reports the baseline complete: the journal describes what the backing directory held before the mount.</summary>
    public void WaitForBaseline() => BaselineStatus.WaitUntil(Status, b => b.IsComplete, "the baseline's completion", Patience, () => Log);

    private JsonElement Status()
    {
        using var status = Process.Start(new ProcessStartInfo(DotnetHost, ["exec", Program, "status", MountPoint, "--json"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var error = status.StandardError.ReadToEndAsync();
        var output = status.StandardOutput.ReadToEnd();
        if (!status.WaitForExit(Patience) || status.ExitCode != 0)
            throw new InvalidOperationException($"vellum status failed: {error.GetAwaiter().GetResult()}\n{Log}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>`vellum umount`, then waits for the daemon to drain, sync and exit 0.</summary>
    public void Unmount()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon running");
        string umountError;
        using (var umount = Process.Start(new ProcessStartInfo(DotnetHost, ["exec", Program, "umount", MountPoint])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!)
        {
            umountError = umount.StandardError.ReadToEnd();
            umount.WaitForExit(Patience);
        }
        if (!daemon.WaitForExit(Patience))
            throw new InvalidOperationException($"the daemon did not exit after umount ({umountError.Trim()}):\n{Log}");
        daemon.WaitForExit();
        var code = daemon.ExitCode;
        daemon.Dispose();
        _daemon = null;
        if (code != 0)
            throw new InvalidOperationException($"the daemon exited with {code}:\n{Log}");
    }

    public void Dispose()
    {
        if (_daemon is { } daemon)
        {
            if (!daemon.HasExited)
                daemon.Kill();
            daemon.WaitForExit(Patience);
            daemon.Dispose();
            _daemon = null;
        }
        StatusSocketFile.RemoveLeftBy(MountPoint);
        if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
    }
}
