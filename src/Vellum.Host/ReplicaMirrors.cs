using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vellum.Mirror;
using Vellum.Replication;

namespace Vellum.Host;

/// <summary>
/// A serve node's mirrors: DIR/&lt;journal id&gt; kept equal to each received journal's replica
/// store (<see cref="StoreFollower"/>), complete transactions only, woken by each durable append.
/// </summary>
internal sealed class ReplicaMirrors(string directory, string storeDirectory, ILoggerFactory loggers) : IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<ReplicaMirrors>();
    private readonly ConcurrentDictionary<Guid, StoreFollower> _followers = new();

    /// <summary>The last transaction id applied to a journal's mirror (0 before any).</summary>
    public ulong Applied(Guid journalId) => _followers.TryGetValue(journalId, out var follower) ? follower.AppliedTransactionId : 0;

    /// <summary>
    /// A journal's mirror as the node tells its source: following, or stopped with the reason
    /// (this machine's directories named MIRROR and STORE, as `vellum serve` calls them, since
    /// the source's operator knows them by those names and the paths are the target's own).
    /// </summary>
    public MirrorProgress Progress(Guid journalId)
    {
        if (!_followers.TryGetValue(journalId, out var follower))
            return new MirrorProgress(TargetMirrorState.Following, 0, null);
        var applied = follower.AppliedTransactionId;
        if (follower.Completion.Exception?.InnerException is not { } stopped)
            return new MirrorProgress(TargetMirrorState.Following, applied, null);
        var reason = stopped.Message
            .Replace(Path.GetFullPath(directory), "MIRROR", StringComparison.Ordinal)
            .Replace(Path.GetFullPath(storeDirectory), "STORE", StringComparison.Ordinal);
        return new MirrorProgress(TargetMirrorState.Stopped, applied, reason);
    }

    /// <summary>Starts mirroring a journal the node has just opened.</summary>
    public void Follow(ReplicaJournal journal)
    {
        var replica = Path.Combine(directory, journal.Id.ToString("D"));
        var follower = StoreFollower.Start(journal.Store, replica, durableOnly: true, loggers.CreateLogger<StoreFollower>());
        _followers[journal.Id] = follower;
        _ = follower.Completion.ContinueWith(
            stopped => HostLog.MirrorStopped(_logger, journal.Id, replica, stopped.Exception!.InnerException!.Message),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }

    public void Dispose()
    {
        foreach (var follower in _followers.Values)
            follower.Dispose();
    }
}
