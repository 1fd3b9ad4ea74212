using System.Runtime.ExceptionServices;

namespace Vellum.Store;

/// <summary>
/// Group commit over two positions: written (appended, maybe only in the page cache) and
/// durable (below it every byte reached the disk). A committer whose position is not yet
/// durable either becomes the leader of a sync round, when none is in progress, or queues.
/// The leader runs the owner's sync (which takes the written position, syncs every file
/// holding bytes below it and returns that position) and publishes the position it returns
/// as durable; then it wakes exactly the queued committers the round covered, and hands the
/// next round to the lowest blocking one still waiting, if any. Committers that wrote while a
/// round ran share the next one; nobody is woken only to sleep again, and a lone committer
/// pays one sync and no thread hand-off.
/// </summary>
/// <remarks>
/// <see cref="WaitDurableAsync"/> waits without a thread: its waiter is a task the round that
/// covers it completes. When only such waiters are left, or one arrives while no round runs,
/// the next round is led on the thread pool, one thread per round, not per waiter.
/// A failed round fails the group commit: every wait throws from then on, since what reached
/// the disk is no longer known. The one exception is a cut (<see cref="CutBack"/>): the owner
/// went back to its durable position, and the waits for positions the cut removed throw
/// <see cref="StoreCutBackException"/>, the others go on.
/// </remarks>
internal sealed class GroupCommit
{
    [ThreadStatic]
    private static DurabilityWaiter? t_waiter;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly Func<long> _syncWritten;
    private readonly Action _roundEnded;
    private readonly List<DurabilityWaiter> _waiters = [];
    private readonly List<AsyncDurabilityWaiter> _asyncWaiters = [];
    private long _written;
    private long _durable;
    private long _syncCount;
    private long _cutBacks;
    private bool _syncInProgress;
    private bool _closed;
    private Exception? _failure;
    private StoreCutBackException? _lastCut;

    /// <param name="position">Written and durable when the store opens.</param>
    /// <param name="directory">The store's directory, for messages.</param>
    /// <param name="syncWritten">
    /// Syncs every byte written so far and returns the written position it covered; throws
    /// <see cref="StoreCutBackException"/> after a <see cref="CutBack"/>, and anything else
    /// for a sync that failed.
    /// </param>
    /// <param name="roundEnded">Called after each round, once its durable position is published.</param>
    public GroupCommit(long position, string directory, Func<long> syncWritten, Action roundEnded)
    {
        _written = position;
        _durable = position;
        _directory = directory;
        _syncWritten = syncWritten;
        _roundEnded = roundEnded;
    }

    /// <summary>The position after the last byte appended; read without any lock.</summary>
    public long WrittenPosition => Volatile.Read(ref _written);

    /// <summary>The position below which every byte has reached the disk (the sync returned).</summary>
    public long DurablePosition => Volatile.Read(ref _durable);

    /// <summary>Number of sync rounds since opening.</summary>
    public long SyncCount => Volatile.Read(ref _syncCount);

    /// <summary>How many times the written position went back to the durable one (<see cref="CutBack"/>).</summary>
    public long CutBacks => Volatile.Read(ref _cutBacks);

    /// <summary>The last cut, if any.</summary>
    public StoreCutBackException? LastCut => Volatile.Read(ref _lastCut);

    /// <summary>Why the group commit failed, if it did: appends must stop too.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Bytes are written up to <paramref name="end"/>; called under the owner's append lock.</summary>
    public void Appended(long end) => Volatile.Write(ref _written, end);

    /// <summary>
    /// The owner went back to <paramref name="written"/>, its durable position: called by the
    /// leader of a round from within the sync, which then throws <paramref name="cut"/>.
    /// </summary>
    public void CutBack(long written, StoreCutBackException cut)
    {
        Volatile.Write(ref _written, written);
        Volatile.Write(ref _lastCut, cut);
        Interlocked.Increment(ref _cutBacks);
    }

    /// <summary>Fails the group commit for a failure found outside a sync (an append that could not be undone); the first failure is kept.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
            _failure ??= failure;
    }

    /// <summary>The owner closed: every wait not yet durable throws <see cref="ObjectDisposedException"/>.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (var waiter in _waiters)
                waiter.Signal.Set();
            _waiters.Clear();
            foreach (var waiter in _asyncWaiters)
                waiter.Wake();
            _asyncWaiters.Clear();
        }
    }

    /// <summary>
    /// Returns once every byte below <paramref name="position"/> is durable, leading sync
    /// rounds on this thread when it is its turn.
    /// </summary>
    /// <exception cref="StoreCutBackException">A cut removed bytes below <paramref name="position"/>.</exception>
    /// <exception cref="StoreIOException">A sync failed, now or earlier.</exception>
    /// <exception cref="ObjectDisposedException">The owner closed first.</exception>
    public void WaitDurable(long position)
    {
        var cutBacks = CutBacks;
        while (true)
        {
            DurabilityWaiter? waiter = null;
            lock (_lock)
            {
                if (IsDurable(position, cutBacks))
                    return;
                if (_syncInProgress)
                {
                    waiter = t_waiter ??= new DurabilityWaiter();
                    waiter.Prepare(position);
                    _waiters.Add(waiter);
                }
                else
                {
                    _syncInProgress = true;
                }
            }
            if (waiter is not null)
            {
                waiter.Signal.Wait();
                if (!waiter.Lead)
                    continue;
            }
            LeadRound();
        }
    }

    /// <summary>
    /// As <see cref="WaitDurable"/>, without holding a thread while it waits: the round that
    /// covers <paramref name="position"/> completes it. Throws as <see cref="WaitDurable"/>,
    /// or <see cref="OperationCanceledException"/> once <paramref name="cancellation"/> is
    /// cancelled (the round it waited for goes on).
    /// </summary>
    public ValueTask WaitDurableAsync(long position, CancellationToken cancellation = default)
    {
        var cutBacks = CutBacks;
        if (Failure is null && DurablePosition >= position)
            return ValueTask.CompletedTask;
        return WaitQueuedAsync(this, position, cutBacks, cancellation);
    }

    private static async ValueTask WaitQueuedAsync(GroupCommit commit, long position, long cutBacks, CancellationToken cancellation)
    {
        while (true)
        {
            var waiter = new AsyncDurabilityWaiter(position);
            lock (commit._lock)
            {
                if (commit.IsDurable(position, cutBacks))
                    return;
                cancellation.ThrowIfCancellationRequested();
                commit._asyncWaiters.Add(waiter);
                if (!commit._syncInProgress)
                {
                    commit._syncInProgress = true;
                    commit.LeadOnThreadPool();
                }
            }
            using (cancellation.UnsafeRegister(static (state, token) => ((AsyncDurabilityWaiter)state!).Cancel(token), waiter))
            {
                try
                {
                    await waiter.Task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Left in the list, it would have rounds led for it until its position is durable.
                    lock (commit._lock)
                        commit._asyncWaiters.Remove(waiter);
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Under the lock; throws when the group commit failed or closed, or when a cut since the
    /// wait began (<paramref name="cutBacks"/> then), or before it (the position is past the
    /// end), removed bytes below <paramref name="position"/>.
    /// </summary>
    private bool IsDurable(long position, long cutBacks)
    {
        if (_failure is not null)
            throw SyncFailed(_failure);
        if (_durable >= position)
            return true;
        ObjectDisposedException.ThrowIf(_closed, typeof(SegmentStore));
        if ((CutBacks != cutBacks || position > WrittenPosition) && _lastCut is { } cut)
            throw new StoreCutBackException(cut.Message, cut.DurablePosition, cut);
        return false;
    }

    private StoreIOException SyncFailed(Exception failure) =>
        new($"the store at {_directory} cannot make appends durable: {failure.Message}", failure);

    /// <summary>One round: sync, publish, hand over; throws what the round's own waits would.</summary>
    private void LeadRound()
    {
        var target = 0L;
        Exception? failure = null;
        try
        {
            target = _syncWritten();
        }
#pragma warning disable CA1031 // Whatever the sync threw, the round must end and wake its waiters, or they wait for good.
        catch (Exception error)
#pragma warning restore CA1031
        {
            failure = error;
        }
        var cut = failure is StoreCutBackException;
        lock (_lock)
        {
            if (failure is null && target > _durable)
                Volatile.Write(ref _durable, target);
            else if (failure is not (null or StoreCutBackException or ObjectDisposedException))
                _failure ??= failure;
            _syncCount++;
            HandOver(cut);
        }
        _roundEnded();
        if (failure is StoreCutBackException or ObjectDisposedException)
            ExceptionDispatchInfo.Throw(failure);
        if (failure is not null)
            throw SyncFailed(failure);
    }

    /// <summary>
    /// Under the lock: wakes the waiters the round covered (all of them after a failure, a cut
    /// or closing, to throw or wait again), and passes the next round to the lowest blocking
    /// waiter left, or to the thread pool when only asynchronous ones are left.
    /// </summary>
    private void HandOver(bool cut)
    {
        var everyone = _failure is not null || _closed || cut;
        DurabilityWaiter? next = null;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            var waiter = _waiters[i];
            if (everyone || waiter.Position <= _durable)
            {
                _waiters.RemoveAt(i);
                waiter.Signal.Set();
            }
            else if (next is null || waiter.Position < next.Position)
            {
                next = waiter;
            }
        }
        for (var i = _asyncWaiters.Count - 1; i >= 0; i--)
        {
            var waiter = _asyncWaiters[i];
            if (everyone || waiter.Position <= _durable)
            {
                _asyncWaiters.RemoveAt(i);
                waiter.Wake();
            }
        }
        if (everyone || (next is null && _asyncWaiters.Count == 0))
        {
            _syncInProgress = false;
            return;
        }
        if (next is null)
        {
            LeadOnThreadPool();
            return;
        }
        _waiters.Remove(next);
        next.Lead = true;
        next.Signal.Set();
    }

    private void LeadOnThreadPool() =>
        ThreadPool.UnsafeQueueUserWorkItem(static commit => commit.LeadForAsyncWaiters(), this, preferLocal: false);

    private void LeadForAsyncWaiters()
    {
        try
        {
            LeadRound();
        }
        catch (Exception error) when (error is StoreIOException or ObjectDisposedException)
        {
            // The round woke every waiter it concerned, and each finds the failure, cut or
            // closing itself; this thread waited for nothing.
        }
    }
}
