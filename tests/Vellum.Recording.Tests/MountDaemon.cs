using System.Diagnostics;
using System.Text.Json;
using Vellum.Fuse;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// `vellum mount ARGS` as a child process with the environment and working directory a test
/// gives, for the command lines <see cref="JournaledMount"/> does not make (no --journal, a
/// symlink or relative BACKING). Dispose stops it and leaves no mount behind.
/// </summary>
internal sealed class MountDaemon : IDisposable
{
    private readonly Process _daemon;
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource<bool> _mounted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MountDaemon(string mountPoint, Process daemon)
    {
        MountPoint = mountPoint;
        _daemon = daemon;
    }

    public string MountPoint { get; }

    public int Pid => _daemon.Id;

    public string Log
    {
        get
        {
            lock (_log)
                return string.Join('\n', _log);
        }
    }

    /// <summary>Starts `vellum mount BACKING MOUNTPOINT MORE...` and returns once it reports the mount; throws if it does not.</summary>
    public static MountDaemon Mount(string backing, string mountPoint, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, params string[] more)
    {
        var start = new ProcessStartInfo(JournaledMount.DotnetHost, ["exec", JournaledMount.Program, "mount", backing, mountPoint, .. more])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return Launch(start, backing, mountPoint);
    }

    /// <summary>
    /// <see cref="Mount"/> with the process umask set to <paramref name="umask"/> (by the shell
    /// that then becomes the daemon): the umask is the whole process's, so a test cannot set it
    /// for the mount alone in its own process.
    /// </summary>
    public static MountDaemon MountUnderUmask(uint umask, string backing, string mountPoint, params string[] more)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"umask {Convert.ToString(umask, 8)} && exec \"$0\" \"$@\"", JournaledMount.DotnetHost, "exec", JournaledMount.Program, "mount", backing, mountPoint, .. more])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        return Launch(start, backing, mountPoint);
    }

    private static MountDaemon Launch(ProcessStartInfo start, string backing, string mountPoint)
    {
        var daemon = new MountDaemon(Path.GetFullPath(mountPoint, start.WorkingDirectory.Length == 0 ? Environment.CurrentDirectory : start.WorkingDirectory), Process.Start(start)!);
        daemon.Follow();
        if (!daemon._mounted.Task.Wait(JournaledMount.Patience) || !daemon._mounted.Task.Result)
        {
            var log = daemon.Log;
            daemon.Dispose();
            throw new InvalidOperationException($"vellum mount {backing} {mountPoint} did not come up:\n{log}");
        }
        return daemon;
    }

    /// <summary>The journal directory `vellum status --json` names.</summary>
    public string Journal()
    {
        var (exitCode, output, error) = JournaledMount.RunVellum("status", MountPoint, "--json");
        if (exitCode != 0)
            throw new InvalidOperationException($"vellum status failed ({exitCode}): {error}");
        return JsonDocument.Parse(output).RootElement.GetProperty("journal").GetString()!;
    }

    /// <summary>SIGKILL: the daemon gets no chance to unmount or release anything itself.</summary>
    public void Kill()
    {
        _daemon.Kill();
        _daemon.WaitForExit();
    }

    /// <summary>`vellum umount`, then waits for the daemon to finish; throws unless it exits 0.</summary>
    public void Unmount()
    {
        JournaledMount.RunVellum("umount", MountPoint);
        if (!_daemon.WaitForExit(JournaledMount.Patience))
            throw new InvalidOperationException($"the daemon did not exit after umount:\n{Log}");
        _daemon.WaitForExit();
        if (_daemon.ExitCode != 0)
            throw new InvalidOperationException($"the daemon exited with {_daemon.ExitCode}:\n{Log}");
    }

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill();
            _daemon.WaitForExit(JournaledMount.Patience);
        }
        StatusSocketFile.RemoveLeftBy(MountPoint);
        if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
        _daemon.Dispose();
    }

    private void Follow()
    {
        _daemon.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                _mounted.TrySetResult(false);
                return;
            }
            lock (_log)
                _log.Add(line.Data);
            if (line.Data.Contains(" mounted at ", StringComparison.Ordinal))
                _mounted.TrySetResult(true);
        };
        _daemon.BeginErrorReadLine();
        _daemon.BeginOutputReadLine();
    }
}
