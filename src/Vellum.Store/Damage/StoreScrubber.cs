namespace Vellum.Store;

/// <summary>What the scrub of a store knows now.</summary>
/// <param name="Damage">Every damaged stretch found and not repaired since (each segment's entry is replaced when it is verified again).</param>
/// <param name="LastPassEnded">When the last full pass over the sealed segments ended; null before the first.</param>
public sealed record ScrubStatus(TimeSpan Interval, bool Running, DateTimeOffset? LastPassEnded, int SegmentsVerified, long BytesVerified, IReadOnlyList<SegmentDamage> Damage);

/// <summary>
/// Re-reads a store's sealed segments in the background, verifying every record's CRC32C
/// (what opening does not: it trusts a sealed segment's checkpoint), at a capped rate so that
/// the store's writer keeps the disk. A pass starts at once and then every
/// <see cref="Interval"/>; segments found damaged are verified again every
/// <see cref="RecheckInterval"/>, so a repair shows soon. What it finds is kept in
/// <see cref="DamageRecord"/>, for the next opening.
/// </summary>
public sealed class StoreScrubber : IDisposable
{
    /// <summary>How fast a scrub reads: a sealed segment of 64 MiB a second.</summary>
    public const long BytesPerSecond = 64L << 20;

    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    private readonly SegmentStore _store;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SegmentVerification> _damaged = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Action<SegmentDamage> _found;
    private readonly Action<string> _repaired;
    private readonly Func<SegmentVerification, bool> _heal;
    private Task _running = Task.CompletedTask;
    private DateTimeOffset? _lastPassEnded;
    private int _segmentsVerified;
    private long _bytesVerified;
    private bool _passRunning;

    /// <param name="found">Called for each damaged stretch the first time it is found (to log it).</param>
    /// <param name="repaired">Called with a segment file once found damaged and now verified whole.</param>
    /// <param name="heal">
    /// Called on the scrub's thread with each segment found damaged, at every check: tries to
    /// repair it (from a copy the store's owner knows) and says whether it did; the segment is
    /// verified again at once when it did.
    /// </param>
    public StoreScrubber(SegmentStore store, TimeSpan interval, Action<SegmentDamage>? found = null, Action<string>? repaired = null, Func<SegmentVerification, bool>? heal = null)
    {
        _store = store;
        Interval = interval;
        _found = found ?? (_ => { });
        _repaired = repaired ?? (_ => { });
        _heal = heal ?? (_ => false);
        var recorded = DamageRecord.Load(store.Directory);
        foreach (var (start, path) in recorded)
            Note(start, path, pace: null);
        // Damage repaired while no scrub ran is verified whole above without a change to note: the record goes with it.
        if (recorded.Count > 0)
            SaveRecord();
    }

    public TimeSpan Interval { get; }

    public ScrubStatus Status
    {
        get
        {
            lock (_lock)
                return new ScrubStatus(Interval, _passRunning, _lastPassEnded, _segmentsVerified, _bytesVerified, [.. _damaged.Values.OrderBy(v => v.SegmentStart).SelectMany(v => v.Damage)]);
        }
    }

    public void Start() => _running = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);

    private void Run()
    {
        var token = _stopping.Token;
        var nextPass = DateTimeOffset.UtcNow;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (DateTimeOffset.UtcNow >= nextPass)
                {
                    Pass(token);
                    nextPass = DateTimeOffset.UtcNow + Interval;
                }
                else
                {
                    Recheck();
                }
                var wait = nextPass - DateTimeOffset.UtcNow;
                lock (_lock)
                {
                    if (_damaged.Count > 0 && wait > RecheckInterval)
                        wait = RecheckInterval;
                }
                if (wait > TimeSpan.Zero)
                    token.WaitHandle.WaitOne(wait);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The store closed under the scrub: nothing more to read.
        }
    }

    private void Pass(CancellationToken token)
    {
        lock (_lock)
        {
            _passRunning = true;
            _segmentsVerified = 0;
            _bytesVerified = 0;
        }
        var pace = new ScrubPace(BytesPerSecond, token);
        try
        {
            foreach (var (start, path) in _store.SealedSegments)
                Verify(start, path, pace);
        }
        finally
        {
            lock (_lock)
            {
                _passRunning = false;
                if (!token.IsCancellationRequested)
                    _lastPassEnded = DateTimeOffset.UtcNow;
            }
        }
    }

    private void Recheck()
    {
        List<SegmentVerification> damaged;
        lock (_lock)
            damaged = [.. _damaged.Values];
        foreach (var segment in damaged)
            Verify(segment.SegmentStart, segment.File, new ScrubPace(BytesPerSecond, _stopping.Token));
    }

    private void Verify(long start, string path, ScrubPace? pace)
    {
        var verified = Note(start, path, pace);
        if (verified is { IsClean: false } && _heal(verified))
            Note(start, path, pace: null);
    }

    /// <summary>Verifies a segment and notes what changed since its last verification; null when the segment is gone.</summary>
    private SegmentVerification? Note(long start, string path, ScrubPace? pace)
    {
        SegmentVerification verified;
        try
        {
            verified = SegmentVerifier.Verify(path, start, isSealed: true, pace);
        }
        catch (StoreIOException) when (!File.Exists(path))
        {
            // Deleted by retention while the scrub was on its way to it.
            Forget(path);
            return null;
        }
        catch (StoreIOException unreadable)
        {
            // The disk would not give the bytes back (EIO): as damaged as bytes that do not verify, and repaired the same way.
            var length = new FileInfo(path).Length;
            verified = new SegmentVerification(path, start, 0, [new SegmentDamage(path, start, 0, length, $"the segment could not be read: {unreadable.Message}", [], 0, null)]);
        }
        bool changed;
        SegmentVerification? before;
        lock (_lock)
        {
            _segmentsVerified++;
            _bytesVerified += verified.Length;
            _damaged.TryGetValue(path, out before);
            changed = (before?.Damage.Count ?? 0) != verified.Damage.Count || (before is not null && !before.Damage.Select(d => (d.Offset, d.Length)).SequenceEqual(verified.Damage.Select(d => (d.Offset, d.Length))));
            if (verified.IsClean)
                _damaged.Remove(path);
            else
                _damaged[path] = verified;
        }
        if (!changed)
            return verified;
        foreach (var damage in verified.Damage.Where(d => before is null || !before.Damage.Any(b => b.Offset == d.Offset && b.Length == d.Length)))
            _found(damage);
        if (verified.IsClean && before is not null)
            _repaired(path);
        SaveRecord();
        return verified;
    }

    private void Forget(string path)
    {
        bool removed;
        lock (_lock)
            removed = _damaged.Remove(path);
        if (removed)
            SaveRecord();
    }

    private void SaveRecord()
    {
        List<SegmentDamage> all;
        lock (_lock)
            all = [.. _damaged.Values.SelectMany(v => v.Damage)];
        try
        {
            DamageRecord.Save(_store.Directory, all);
        }
        catch (Exception failed) when (failed is IOException or UnauthorizedAccessException)
        {
            // The record only lets the next opening know sooner; the scrub finds the damage again.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _running.Wait();
        _stopping.Dispose();
    }
}
