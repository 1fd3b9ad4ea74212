using System.Diagnostics;

namespace Vellum.Recording.Baseline;

/// <summary>Where the baseline of a mount stands (docs/journal-format.md 3.5), for `vellum status` and the log.</summary>
public enum BaselineState
{
    /// <summary>The journal is older than format version 3 and gets no baseline.</summary>
    None,

    /// <summary>Recording what the journal does not describe yet, while the mount serves.</summary>
    Running,

    /// <summary>The journal describes the whole backing directory.</summary>
    Complete,

    /// <summary>Stopped before it completed (unmounted, or failed); the next mount resumes it.</summary>
    Stopped,
}

/// <summary>
/// Counters of a mount's baseline: objects (directory listings and node contents) and bytes
/// to record and recorded, and what the check at mount found. Updated by the baseline's
/// thread and by changes that cover objects first; read by anyone.
/// </summary>
public sealed class BaselineProgress
{
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _running = new();
    private long _objectsDone;
    private long _bytesDone;
    private int _state;

    public BaselineState State => (BaselineState)Volatile.Read(ref _state);

    public long ObjectsTotal { get; internal set; }

    public long ObjectsDone => Interlocked.Read(ref _objectsDone);

    public long BytesTotal { get; internal set; }

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    /// <summary>How long the comparison of the backing directory with the manifest took when the mount started.</summary>
    public TimeSpan CheckDuration { get; internal set; }

    /// <summary>Names the comparison looked at.</summary>
    public long CheckedObjects { get; internal set; }

    /// <summary>Changes made while no mount ran: created, deleted, modified.</summary>
    public long FoundChanges { get; internal set; }

    /// <summary>How long the recording has run (stops counting when it completes).</summary>
    public TimeSpan Elapsed => _running.Elapsed;

    /// <summary>Bytes recorded per second so far.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds is var seconds and > 0 ? BytesDone / seconds : 0;

    /// <summary>Seconds left at the rate so far; null until something was recorded or once complete.</summary>
    public double? EtaSeconds
    {
        get
        {
            // A rate of 0 (bytes counted before the clock ticked) would make it infinite, which JSON cannot carry.
            if (State != BaselineState.Running || BytesPerSecond is not (> 0 and var rate) || !double.IsFinite(rate))
                return null;
            return Math.Max(0, BytesTotal - BytesDone) / rate;
        }
    }

    /// <summary>Completes when the baseline does (never for a journal that has none, or one that stopped).</summary>
    public Task Completed => _completed.Task;

    internal void Start()
    {
        Volatile.Write(ref _state, (int)BaselineState.Running);
        _running.Start();
    }

    internal void Recorded(long objects, long bytes)
    {
        Interlocked.Add(ref _objectsDone, objects);
        Interlocked.Add(ref _bytesDone, bytes);
    }

    internal void Complete()
    {
        _running.Stop();
        // Objects removed or replaced before they were reached were counted but never recorded.
        ObjectsTotal = ObjectsDone;
        BytesTotal = BytesDone;
        Volatile.Write(ref _state, (int)BaselineState.Complete);
        _completed.TrySetResult();
    }

    internal void Stop()
    {
        _running.Stop();
        if (State == BaselineState.Running)
            Volatile.Write(ref _state, (int)BaselineState.Stopped);
    }
}
