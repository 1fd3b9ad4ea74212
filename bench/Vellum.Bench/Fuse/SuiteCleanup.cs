using System.Runtime.InteropServices;

namespace Vellum.Bench.Fuse;

/// <summary>
/// What must be undone however the suite ends: mounted targets and the workload process
/// running inside one. On SIGINT/SIGTERM the workload is killed first so the mount is not
/// busy, then every mount is removed, then the process exits.
/// </summary>
internal sealed class SuiteCleanup : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<MountedTarget> _mounted = [];
    private readonly List<PosixSignalRegistration> _signals;
    private readonly string _suite;
    private System.Diagnostics.Process? _workload;

    /// <param name="suite">The suite's name, which starts the message printed on a signal.</param>
    public SuiteCleanup(string suite = "fuse")
    {
        _suite = suite;
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public void Mounted(MountedTarget target)
    {
        lock (_lock)
            _mounted.Add(target);
    }

    public void Unmounted(MountedTarget target)
    {
        lock (_lock)
            _mounted.Remove(target);
    }

    public void WorkloadStarted(System.Diagnostics.Process process)
    {
        lock (_lock)
            _workload = process;
    }

    public void WorkloadEnded()
    {
        lock (_lock)
            _workload = null;
    }

    public void Dispose()
    {
        foreach (var signal in _signals)
            signal.Dispose();
        UnmountAll();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Console.Error.WriteLine($"{_suite}: {context.Signal}, removing mounts");
        lock (_lock)
        {
            try
            {
                _workload?.Kill(entireProcessTree: true);
                _workload?.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }
        UnmountAll();
        Environment.Exit(130);
    }

    private void UnmountAll()
    {
        MountedTarget[] targets;
        lock (_lock)
            targets = [.. _mounted];
        foreach (var target in targets)
            target.Unmount();
    }
}
