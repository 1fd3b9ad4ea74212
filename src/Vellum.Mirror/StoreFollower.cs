using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vellum.Store;

namespace Vellum.Mirror;

/// <summary>
/// A thread keeping a replica directory equal to a store this process has open
/// (<see cref="MirrorRunner.FollowStore"/>): woken by each append, complete transactions only,
/// until disposed or the store closes. Why it stopped, if it failed, is in <see cref="Completion"/>.
/// </summary>
public sealed class StoreFollower : IDisposable
{
    private readonly SegmentStore _store;
    private readonly bool _durableOnly;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private ulong _applied;
    private bool _disposed;

    private StoreFollower(SegmentStore store, string replicaDirectory, bool durableOnly, ILogger logger)
    {
        _store = store;
        ReplicaDirectory = replicaDirectory;
        _durableOnly = durableOnly;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-mirror " + Path.GetFileName(replicaDirectory) };
    }

    public string ReplicaDirectory { get; }

    /// <summary>The last transaction id applied to the replica (0 before any).</summary>
    public ulong AppliedTransactionId => Volatile.Read(ref _applied);

    /// <summary>
    /// Completes when the follower stops: disposed or the store closed; faulted with the
    /// <see cref="MirrorException"/>, <see cref="IOException"/> or <see cref="StoreDamagedException"/>
    /// that stopped it otherwise (everything before it is applied).
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Starts following <paramref name="store"/> into <paramref name="replicaDirectory"/>
    /// (created if missing; see <see cref="MirrorRunner.Open"/>), after each append or, with
    /// <paramref name="durableOnly"/>, each append made durable.
    /// </summary>
    public static StoreFollower Start(SegmentStore store, string replicaDirectory, bool durableOnly, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var follower = new StoreFollower(store, replicaDirectory, durableOnly, logger ?? NullLogger.Instance);
        follower._thread.Start();
        return follower;
    }

    private void Run()
    {
        try
        {
            using var runner = MirrorRunner.Open(_store.Directory, ReplicaDirectory);
            // A replica mirrored before this process started is at its kept position, not at 0.
            Volatile.Write(ref _applied, runner.Position?.TransactionId ?? 0);
            runner.PositionAdvanced += position => Volatile.Write(ref _applied, position.TransactionId);
            MirrorLog.Following(_logger, _store.Directory, ReplicaDirectory, runner.Position?.TransactionId ?? 0);
            runner.FollowStore(_store, _durableOnly, _stopping.Token);
            MirrorLog.StoppedFollowing(_logger, ReplicaDirectory, runner.Position?.TransactionId ?? 0);
            _completion.TrySetResult();
        }
        catch (Exception failure) when (failure is MirrorException or IOException or ObjectDisposedException or StoreDamagedException)
        {
            if (_stopping.IsCancellationRequested)
                _completion.TrySetResult();
            else
                _completion.TrySetException(failure);
        }
    }

    /// <summary>Stops following and waits for the thread (a transaction being applied is finished first).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
    }
}
