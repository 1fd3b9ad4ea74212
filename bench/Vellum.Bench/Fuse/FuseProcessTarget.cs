using System.Collections.Concurrent;
using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Bench.Fuse;

/// <summary>
/// A FUSE filesystem served by a child process kept in the foreground, so its exit is seen
/// and its output kept: ready when /proc/self/mountinfo shows the mount point with the
/// expected type and a stat of the mount point succeeds; removed with umount2 (the daemon
/// then exits by itself) or, failing that, by killing the child.
/// </summary>
internal abstract class FuseProcessTarget(SuiteCleanup cleanup, string mountPoint, string fsType, TimeSpan readyTimeout) : MountedTarget
{
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private Process? _process;

    public override string WorkPath => mountPoint;

    public override string Description => $"{string.Join(' ', Command())} (fstype {fsType})";

    /// <summary>The program and its arguments.</summary>
    protected abstract IReadOnlyList<string> Command();

    /// <summary>How long the daemon may take to exit after the unmount before it is killed.</summary>
    protected virtual TimeSpan ExitTimeout => TimeSpan.FromSeconds(10);

    /// <summary>The child's last output lines (stdout and stderr), kept instead of printed so they never mix into the suite's output.</summary>
    public string OutputTail => Tail(_output);

    public override void Mount()
    {
        Directory.CreateDirectory(mountPoint);
        var command = Command();
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
            info.ArgumentList.Add(argument);
        Process process;
        lock (_lock)
        {
            try
            {
                _process = process = Process.Start(info) ?? throw new MountUnavailableException($"{command[0]} did not start");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new MountUnavailableException($"{command[0]}: {e.Message}");
            }
            cleanup.Mounted(this);
        }
        process.OutputDataReceived += (_, e) => Keep(_output, e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Keep(_output, e.Data);
            Keep(_errors, e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        // The mount is in mountinfo from mount(2) on, before the daemon has answered anything,
        // and a daemon may answer a request that races its INIT reply with EIO (Vellum's did:
        // an open right after the mount failed one time in five). Ready is one answered stat.
        while (MountTable.FsTypeAt(mountPoint) != fsType || !Answers(readyTimeout - clock.Elapsed))
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                var code = process.ExitCode;
                Unmount();
                // The child has exited, so both streams are read to their end (WaitForExit() above).
                throw new MountUnavailableException($"{command[0]} exited with code {code} before mounting", Tail(_output), ErrorTail());
            }
            if (clock.Elapsed > readyTimeout)
            {
                Unmount();
                throw new MountUnavailableException($"no {fsType} mount at {mountPoint} after {readyTimeout.TotalSeconds:F0} s", Tail(_output), ErrorTail());
            }
            Thread.Sleep(20);
        }
        Console.WriteLine($"{Name}: mounted in {clock.Elapsed.TotalSeconds:F2} s");
    }

    public override void Unmount()
    {
        lock (_lock)
        {
            if (_process is not { } process)
                return;
            if (MountTable.FsTypeAt(mountPoint) == fsType)
                MountTable.Unmount(mountPoint);
            if (!process.WaitForExit(ExitTimeout))
            {
                Console.Error.WriteLine($"{Name}: daemon still running {ExitTimeout.TotalSeconds:F0} s after unmount, killing it");
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
            _process = null;
            cleanup.Unmounted(this);
        }
    }

    /// <summary>Whether a stat of the mount point succeeds within <paramref name="wait"/>; on another thread, since a daemon that never answers blocks it.</summary>
    private bool Answers(TimeSpan wait)
    {
        var probe = Task.Run(StatSucceeds);
        return probe.Wait(wait > TimeSpan.Zero ? wait : TimeSpan.Zero) && probe.Result;
    }

    private unsafe bool StatSucceeds()
    {
        StatxBuffer buffer;
        return LibC.Statx(LibCConstants.AtFdCwd, mountPoint, 0, LibCConstants.StatxBasicStats, &buffer) == 0;
    }

    private static void Keep(ConcurrentQueue<string> lines, string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        lines.Enqueue(line);
        while (lines.Count > 20)
            lines.TryDequeue(out _);
    }

    private static string Tail(ConcurrentQueue<string> lines) => lines.IsEmpty ? "(no output)" : string.Join(" | ", lines);

    private string? ErrorTail() => _errors.IsEmpty ? null : Tail(_errors);
}
