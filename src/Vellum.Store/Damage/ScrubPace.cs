namespace Vellum.Store;

/// <summary>
/// Keeps a reader to a rate: after each read it sleeps as long as it is ahead of
/// <see cref="BytesPerSecond"/>, so a scrub of a large journal does not take the disk from
/// the mount it protects.
/// </summary>
public sealed class ScrubPace(long bytesPerSecond, CancellationToken cancellation)
{
    private readonly long _started = Environment.TickCount64;
    private long _bytes;

    public long BytesPerSecond { get; } = bytesPerSecond;

    public CancellationToken Cancellation { get; } = cancellation;

    public void Took(int bytes)
    {
        Cancellation.ThrowIfCancellationRequested();
        _bytes += bytes;
        var due = _bytes * 1000 / BytesPerSecond;
        var ahead = due - (Environment.TickCount64 - _started);
        if (ahead > 0 && Cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(ahead)))
            Cancellation.ThrowIfCancellationRequested();
    }
}
