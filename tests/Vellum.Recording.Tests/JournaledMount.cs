using System.Diagnostics;
using System.Text.Json;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A real `vellum mount BACKING MNT --journal JOURNAL` daemon as a child process, with its
/// directories under one temporary root. It can be killed (SIGKILL) and started again at
/// the same place, as a crash and a restart. Dispose unmounts on every path.
/// </summary>
internal sealed class JournaledMount : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string[] _options;
    private Process? _daemon;
    private readonly List<string> _log = [];
    private int _startLine;

    private JournaledMount(string[] options, string? journal)
    {
        _options = options;
        Root = Directory.CreateTempSubdirectory("vellum-journaled-").FullName;
        Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        File.SetUnixFileMode(Backing, JournalReplay.RootMode);
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        Journal = journal ?? Path.Combine(Root, "journal");
    }

    public string Root { get; }

    public string Backing { get; }

    public string MountPoint { get; }

    public string Journal { get; }

    /// <summary>What the daemon of the last start wrote to stderr so far, one line each.</summary>
    public IReadOnlyList<string> StartLog
    {
        get
        {
            lock (_log)
                return _log[_startLine..];
        }
    }

    /// <summary>Everything the daemons wrote to stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return string.Join('\n', _log);
        }
    }

    public static JournaledMount Start(params string[] options) => Start(null, options);

    /// <summary>
    /// Starts a mount whose backing directory is a filesystem of <paramref name="bytes"/>, a
    /// tmpfs or an ext4 (on a loop device), so that changes through it run out of space for
    /// real; the journal stays on the disk.
    /// </summary>
    public static JournaledMount StartOnSmallDisk(long bytes, SmallDisk disk, params string[] options)
    {
        var mount = new JournaledMount(options, null);
        try
        {
            if (disk == SmallDisk.Tmpfs)
            {
                RunOrThrow("mount", "-t", "tmpfs", "-o", $"size={bytes},mode=755", "vellum-test", mount.Backing);
            }
            else
            {
                var image = Path.Combine(mount.Root, "backing.img");
                using (var file = File.Create(image))
                    file.SetLength(bytes);
                RunOrThrow("mkfs.ext4", "-q", "-F", "-b", "4096", image);
                RunOrThrow("mount", "-o", "loop", image, mount.Backing);
                Directory.Delete(Path.Combine(mount.Backing, "lost+found"));
            }
            File.SetUnixFileMode(mount.Backing, JournalReplay.RootMode);
            mount.Mount();
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    /// <summary>Starts a mount whose journal lives in <paramref name="journal"/> instead of under the mount's own root.</summary>
    public static JournaledMount StartWithJournal(string journal, params string[] options) => Start(journal, options);

    private static JournaledMount Start(string? journal, string[] options)
    {
        var mount = new JournaledMount(options, journal);
        try
        {
            mount.Mount();
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    public static string Program => Path.Combine(AppContext.BaseDirectory, "vellum.dll");

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    /// <summary>
    /// A mount not started yet, for a backing directory that already holds data: the test fills
    /// <see cref="Backing"/>, then calls <see cref="Mount"/>. Dispose cleans up as after a start.
    /// </summary>
    public static JournaledMount Prepare(params string[] options) => new(options, null);

    /// <summary>As <see cref="Prepare"/>, with the journal in <paramref name="journal"/>.</summary>
    public static JournaledMount PrepareWithJournal(string journal, params string[] options) => new(options, journal);

    /// <summary>
    /// Starts the daemon (with <paramref name="moreOptions"/> for this start only) and returns
    /// once it reports the mount, which is after its journal recovery.
    /// </summary>
    public void Mount(params string[] moreOptions)
    {
        var mounted = StartDaemon(moreOptions);
        if (!mounted.Wait(Patience) || !mounted.Result)
            throw new InvalidOperationException($"vellum mount did not come up:\n{Log}");
    }

    /// <summary>
    /// Starts the daemon for a mount that must be refused, and returns its exit code once it
    /// exited; throws if it mounts instead (the test's Dispose then takes the mount down).
    /// </summary>
    public int MountExpectingRefusal(params string[] moreOptions)
    {
        var mounted = StartDaemon(moreOptions);
        if (!mounted.Wait(Patience))
            throw new InvalidOperationException($"vellum mount neither mounted nor exited within {Patience.TotalSeconds:0} s:\n{Log}");
        if (mounted.Result)
            throw new InvalidOperationException($"vellum mount was not refused:\n{Log}");
        return WaitForExit(Patience);
    }

    /// <summary>Starts the daemon; the task ends true when it reports the mount, false when its stderr closes first.</summary>
    private Task<bool> StartDaemon(string[] moreOptions)
    {
        var start = new ProcessStartInfo(DotnetHost, ["exec", Program, "mount", Backing, MountPoint, "--journal", Journal, .. _options, .. moreOptions])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        lock (_log)
            _startLine = _log.Count;
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
            {
                _log.Add(line.Data);
                Monitor.PulseAll(_log);
            }
            if (line.Data.Contains(" mounted at ", StringComparison.Ordinal))
                mounted.TrySetResult(true);
        };
        daemon.BeginErrorReadLine();
        daemon.BeginOutputReadLine();
        return mounted.Task;
    }

    /// <summary>The last line the daemon printed about its journal at start (recovery report).</summary>
    public string LastJournalLine
    {
        get
        {
            lock (_log)
                return _log.LastOrDefault(l => l.StartsWith("vellum: journal ", StringComparison.Ordinal)) ?? "";
        }
    }

    public bool HasExited => _daemon?.HasExited ?? true;

    /// <summary>Sends <paramref name="signal"/> to the daemon.</summary>
    public void Signal(int signal)
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon running");
        if (LibC.Kill(daemon.Id, signal) != 0)
            throw new InvalidOperationException($"kill({daemon.Id}, {signal}) failed");
    }

    /// <summary>Waits for the daemon to exit on its own and returns its exit code; throws after <paramref name="patience"/>.</summary>
    public int WaitForExit(TimeSpan patience)
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon running");
        if (!daemon.WaitForExit(patience))
            throw new InvalidOperationException($"the daemon did not exit within {patience.TotalSeconds:0} s:\n{Log}");
        daemon.WaitForExit();
        var code = daemon.ExitCode;
        daemon.Dispose();
        _daemon = null;
        return code;
    }

    /// <summary>The first line the daemons wrote to stderr that contains <paramref name="fragment"/>; throws after <paramref name="patience"/>.</summary>
    public string WaitForLog(string fragment, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_log)
            {
                if (_log.FirstOrDefault(line => line.Contains(fragment, StringComparison.Ordinal)) is { } found)
                    return found;
                if (clock.Elapsed > patience)
                    throw new InvalidOperationException($"the daemon never wrote \"{fragment}\":\n{Log}");
                Monitor.Wait(_log, TimeSpan.FromMilliseconds(100));
            }
        }
    }

    /// <summary>SIGKILL: the daemon gets no chance to drain, sync or unmount.</summary>
    public void Kill()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon running");
        daemon.Kill();
        if (!daemon.WaitForExit(Patience))
            throw new InvalidOperationException("the killed daemon did not exit");
        daemon.WaitForExit();
        daemon.Dispose();
        _daemon = null;
    }

    /// <summary>`vellum umount`, then waits for the daemon to finish (drain, sync, close).</summary>
    public void Unmount()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon running");
        string umountError;
        using (var umount = Process.Start(new ProcessStartInfo(DotnetHost, ["exec", Program, "umount", MountPoint]) { UseShellExecute = false, RedirectStandardError = true })!)
        {
            umountError = umount.StandardError.ReadToEnd();
            umount.WaitForExit(Patience);
        }
        if (!daemon.WaitForExit(Patience))
            throw new InvalidOperationException($"the daemon did not exit after umount ({umountError.Trim()})");
        daemon.WaitForExit();
        var code = daemon.ExitCode;
        daemon.Dispose();
        _daemon = null;
        if (code != 0)
            throw new InvalidOperationException($"the daemon exited with {code}:\n{Log}");
    }

    /// <summary>How <paramref name="daemon"/> ended, once its output is read to the end.</summary>
    private static string DaemonEnd(Process daemon)
    {
        daemon.WaitForExit();
        return daemon.ExitCode > 128 ? $"killed by signal {daemon.ExitCode - 128}" : $"exit code {daemon.ExitCode}";
    }

    /// <summary>`vellum status --json` of this mount.</summary>
    public JsonElement Status()
    {
        var (exitCode, output, error) = RunVellum("status", MountPoint, "--json");
        if (exitCode != 0)
        {
            // An exited daemon's last words may still be in the pipe: read them all before quoting the log.
            var ended = _daemon is { } daemon && daemon.WaitForExit(0) ? $"; the daemon has exited ({DaemonEnd(daemon)})" : "; the daemon runs";
            throw new InvalidOperationException($"vellum status failed ({exitCode}): {error}{ended}:\n{Log}");
        }
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The baseline's progress, from `vellum status --json`.</summary>
    public BaselineStatus Baseline() => BaselineStatus.Of(Status());

    /// <summary>Polls the baseline's progress until <paramref name="condition"/> holds; throws, naming <paramref name="what"/>, after <see cref="Patience"/>.</summary>
    public BaselineStatus WaitForBaseline(Func<BaselineStatus, bool> condition, string what) =>
        BaselineStatus.WaitUntil(Status, condition, what, Patience, () => Log);

    /// <summary>How many baseline operations `vellum log JOURNAL --json` lists.</summary>
    public int BaselineOperations()
    {
        var (exitCode, output, error) = RunVellum("log", Journal, "--json");
        if (exitCode != 0)
            throw new InvalidOperationException($"vellum log failed ({exitCode}): {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Count(line => JsonDocument.Parse(line).RootElement.TryGetProperty("op", out var op) && op.GetString() == "baseline");
    }

    /// <summary>
    /// Polls `vellum status` until the journal describes the whole backing directory: the
    /// baseline completed, or the check a restart makes (after a kill, what changed since the
    /// last manifest is recorded again) did.
    /// </summary>
    public BaselineStatus WaitForBaseline() => WaitForBaseline(b => b.IsComplete, "the baseline's completion");

    /// <summary>Runs `vellum ARGS` to the end: exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Output, string Error) RunVellum(params string[] args) => RunVellum(null, null, args);

    /// <summary>Runs `vellum ARGS` to the end in <paramref name="workingDirectory"/>, with <paramref name="environment"/> added to this process's: exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Output, string Error) RunVellum(IReadOnlyDictionary<string, string>? environment, string? workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost, ["exec", Program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(Patience))
        {
            child.Kill();
            throw new InvalidOperationException($"vellum {string.Join(' ', args)} did not finish");
        }
        return (child.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
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
        // A loop device goes with its last unmount (mount -o loop sets autoclear).
        if (MountInfo.FileSystemTypeAt(Backing) is "tmpfs" or "ext4")
            Process.Start("umount", ["-l", Backing])!.WaitForExit();
        TreeRemoval.Delete(Root);
    }

    private static void RunOrThrow(string program, params string[] args)
    {
        using var child = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = child.StandardError.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({child.ExitCode}): {error}");
    }
}

internal enum SmallDisk
{
    Tmpfs,
    Ext4,
}
