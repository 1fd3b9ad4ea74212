using Microsoft.Extensions.Logging;
using Vellum.Fuse;

namespace Vellum.Host;

/// <summary>
/// How a <see cref="MountHost"/> is asked to stop, and how long it waits. An unmount detaches
/// the mount lazily: the kernel lets it go once no file is open on it, and meanwhile this says
/// once a second, when it changes, which files it waits for. Stopping without waiting
/// (<see cref="StopNow"/>) comes at once, or after a grace (SIGTERM, and a detach from outside:
/// `umount -l`, which is what `vellum umount` does without root, noticed in mountinfo).
/// </summary>
internal sealed class MountStopping : IDisposable
{
    private readonly FuseMount _mount;
    private readonly ILogger _logger;
    private readonly TimeSpan _grace;
    private readonly TaskCompletionSource _stopNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _waitingLock = new();
    private readonly Timer _detachWatch;
    private Timer? _waitingReport;
    private string? _lastWaitingFor;
    private int _unmountAsked;

    /// <param name="grace">How long a stop after a grace waits for open files to close.</param>
    public MountStopping(FuseMount mount, TimeSpan grace, ILogger logger)
    {
        _mount = mount;
        _grace = grace;
        _logger = logger;
        _detachWatch = new Timer(_ => WatchDetach(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Completes when the mount is to stop without waiting for the files that hold it.</summary>
    public Task StopNow => _stopNow.Task;

    /// <summary>Detaches the mount; while files hold it, says which, followed by <paramref name="nextStep"/> when given.</summary>
    public void Unmount(string? nextStep)
    {
        Volatile.Write(ref _unmountAsked, 1);
        _mount.RequestUnmount();
        StartWaitingReport(nextStep);
    }

    public void StopWithoutWaiting()
    {
        if (_stopNow.Task.IsCompleted)
            return;
        HostLog.StoppingWithoutWaiting(_logger, _mount.MountPoint);
        _stopNow.TrySetResult();
    }

    /// <summary>Detaches the mount, and stops without waiting after the grace.</summary>
    public void StopAfterGrace()
    {
        Unmount($"stopping without waiting in {_grace.TotalSeconds:0} s");
        _ = Task.Delay(_grace).ContinueWith(_ => _stopNow.TrySetResult(), TaskScheduler.Default);
    }

    /// <summary>
    /// `umount -l` or `fusermount3 -uz` detached the mount (what `vellum umount` does without
    /// root): it is to go away, so it goes as after a stop with grace rather than waiting for
    /// every open file to close without a word.
    /// </summary>
    private void WatchDetach()
    {
        if (Volatile.Read(ref _unmountAsked) != 0 || _mount.Completion.IsCompleted || _mount.MountId < 0
            || MountInfo.MountIdAt(_mount.MountPoint) == _mount.MountId)
            return;
        // A plain unmount ends the session at once: only a mount still held is worth a word.
        if (_mount.Completion.Wait(TimeSpan.FromMilliseconds(500)) || Volatile.Read(ref _unmountAsked) != 0)
            return;
        HostLog.DetachedFromOutside(_logger, _mount.MountPoint);
        StopAfterGrace();
    }

    /// <summary>Once a second while the detached mount is held: which files hold it, said when that changes.</summary>
    private void StartWaitingReport(string? nextStep)
    {
        lock (_waitingLock)
            _waitingReport ??= new Timer(_ => ReportWaiting(nextStep), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void ReportWaiting(string? nextStep)
    {
        if (_mount.Completion.IsCompleted || _stopNow.Task.IsCompleted)
            return;
        var holders = _mount.MountId < 0 ? [] : MountHolder.Find(_mount.MountId, _mount.MountPoint);
        var waitingFor = holders.Count > 0
            ? MountHolder.Describe(holders)
            : "the kernel to release the mount (no file open on it was found: a process may have its working directory in it, or a request is still being served)";
        lock (_waitingLock)
        {
            if (waitingFor == _lastWaitingFor)
                return;
            _lastWaitingFor = waitingFor;
        }
        if (nextStep is null)
            HostLog.WaitingForReleaseOnly(_logger, _mount.MountPoint, waitingFor);
        else
            HostLog.WaitingForRelease(_logger, _mount.MountPoint, waitingFor, nextStep);
    }

    public void Dispose()
    {
        _detachWatch.Dispose();
        lock (_waitingLock)
            _waitingReport?.Dispose();
    }
}
