using System.Runtime.InteropServices;
using Vellum.Fuse;

namespace Vellum.Cli.Commands;

/// <summary>
/// What asks a served mount to stop, and how long it waits. The first Ctrl-C detaches the
/// mount lazily: the kernel lets it go once no file is open on it, and meanwhile this says
/// once a second, when it changes, which files it waits for, and that a second Ctrl-C stops
/// without waiting (<see cref="StopNow"/>). SIGTERM, or a detach from outside (`umount -l`,
/// which is what `vellum umount` does without root, noticed in mountinfo), detaches the same
/// way and stops without waiting after <see cref="TerminateGrace"/>. Registered from the
/// start, so a signal sent on seeing the mount up unmounts rather than kills.
/// </summary>
internal sealed class StopRequests : IDisposable
{
    /// <summary>How long SIGTERM waits for open files to close before stopping without them.</summary>
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(3);

    private readonly FuseMount _mount;
    private readonly TaskCompletionSource _stopNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _waitingLock = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly Timer _detachWatch;
    private Timer? _waitingReport;
    private string? _lastWaitingLine;
    private int _interrupts;
    private int _unmountAsked;

    public StopRequests(FuseMount mount)
    {
        _mount = mount;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnInterrupt);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        _detachWatch = new Timer(_ => WatchDetach(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Completes when the mount is to stop without waiting for the files that hold it.</summary>
    public Task StopNow => _stopNow.Task;

    private void OnInterrupt(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _interrupts) == 1)
        {
            Volatile.Write(ref _unmountAsked, 1);
            _mount.RequestUnmount();
            StartWaitingReport("Ctrl-C again stops without waiting: the journal keeps every change made so far, and the files still open get errors (ENOTCONN) until they are closed");
            return;
        }
        Console.Error.WriteLine($"vellum: stopping without waiting for {_mount.MountPoint} to be released");
        _stopNow.TrySetResult();
    }

    private void OnTerminate(PosixSignalContext context)
    {
        context.Cancel = true;
        StopAfterGrace();
    }

    /// <summary>
    /// `umount -l` or `fusermount3 -uz` detached the mount (what `vellum umount` does without
    /// root): it is to go away, so it goes as on SIGTERM rather than waiting for every open
    /// file to close without a word.
    /// </summary>
    private void WatchDetach()
    {
        if (Volatile.Read(ref _unmountAsked) != 0 || _mount.Completion.IsCompleted || _mount.MountId < 0
            || MountInfo.MountIdAt(_mount.MountPoint) == _mount.MountId)
            return;
        // A plain unmount ends the session at once: only a mount still held is worth a word.
        if (_mount.Completion.Wait(TimeSpan.FromMilliseconds(500)) || Volatile.Read(ref _unmountAsked) != 0)
            return;
        Console.Error.WriteLine($"vellum: {_mount.MountPoint} was detached by a lazy unmount from outside (umount -l, fusermount3 -uz)");
        StopAfterGrace();
    }

    /// <summary>SIGTERM, or a detach from outside: unmount, and stop without waiting after <see cref="TerminateGrace"/>.</summary>
    private void StopAfterGrace()
    {
        Volatile.Write(ref _unmountAsked, 1);
        _mount.RequestUnmount();
        StartWaitingReport($"stopping without waiting in {TerminateGrace.TotalSeconds:0} s");
        _ = Task.Delay(TerminateGrace).ContinueWith(_ => _stopNow.TrySetResult(), TaskScheduler.Default);
    }

    /// <summary>Once a second while the detached mount is held: which files hold it, printed when that changes.</summary>
    private void StartWaitingReport(string then)
    {
        lock (_waitingLock)
            _waitingReport ??= new Timer(_ => ReportWaiting(then), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void ReportWaiting(string then)
    {
        if (_mount.Completion.IsCompleted || _stopNow.Task.IsCompleted)
            return;
        var holders = _mount.MountId < 0 ? [] : MountHolder.Find(_mount.MountId, _mount.MountPoint);
        var waitingFor = holders.Count > 0
            ? MountHolder.Describe(holders)
            : "the kernel to release the mount (no file open on it was found: a process may have its working directory in it, or a request is still being served)";
        var line = $"vellum: unmounting {_mount.MountPoint}: waiting for {waitingFor}; {then}";
        lock (_waitingLock)
        {
            if (line == _lastWaitingLine)
                return;
            _lastWaitingLine = line;
        }
        Console.Error.WriteLine(line);
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _detachWatch.Dispose();
        lock (_waitingLock)
            _waitingReport?.Dispose();
    }
}
