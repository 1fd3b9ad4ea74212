using System.Collections.Concurrent;
using System.Diagnostics;

namespace Vellum.Bench.Fuse;

/// <summary>
/// A FUSE filesystem served by a child process kept in the foreground, so its exit is seen
/// and its output kept: ready when /proc/self/mountinfo shows the mount point with the
/// expected type; removed with umount2 (the daemon then exits by itself) or, failing
/// that, by killing the child.
/// </summary>
internal abstract class FuseProcessTarget(SuiteCleanup cleanup, string mountPoint, string fsType, TimeSpan readyTimeout) : MountedTarget
{
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public override string WorkPath => mountPoint;

    public override string Description => $"{string.Join(' ', Command())} (fstype {fsType})";

    /// <summary>The program and its arguments.</summary>
    protected abstract IReadOnlyList<string> Command();

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
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (MountTable.FsTypeAt(mountPoint) != fsType)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                var code = process.ExitCode;
                Unmount();
                throw new MountUnavailableException($"{command[0]} exited with code {code} before mounting: {Tail()}");
            }
            if (clock.Elapsed > readyTimeout)
            {
                Unmount();
                throw new MountUnavailableException($"no {fsType} mount at {mountPoint} after {readyTimeout.TotalSeconds:F0} s: {Tail()}");
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
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                Console.Error.WriteLine($"{Name}: daemon still running 10 s after unmount, killing it");
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
            _process = null;
            cleanup.Unmounted(this);
        }
    }

    private void Keep(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        _output.Enqueue(line);
        while (_output.Count > 20)
            _output.TryDequeue(out _);
    }

    private string Tail() => _output.IsEmpty ? "(no output)" : string.Join(" | ", _output);
}
