using Microsoft.Extensions.Logging;
using Vellum.Recording;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// A journaled mount's replication: a sender per target reading the journal's store, the
/// syncer that keeps the store durable for them, and (with --sync remote) the wait fsync
/// makes for every target's acknowledgement.
/// </summary>
internal sealed class MountReplication : IRemoteCopies, IDisposable
{
    private readonly SpoolSyncer _syncer;
    private readonly List<ReplicationSender> _senders = [];
    private readonly TimeSpan _timeout;

    private MountReplication(MountJournal journal, MountReplicationOptions options, ILogger logger)
    {
        _timeout = options.RemoteTimeout;
        var secret = SecretBook.ReadSecretFile(options.SecretFile);
        Secret = secret;
        _syncer = new SpoolSyncer(journal.Store);
        foreach (var target in options.Targets)
            _senders.Add(new ReplicationSender(journal.Store, target, secret, logger) { AuthenticationBackoff = options.AuthenticationBackoff });
    }

    public IReadOnlyList<ReplicationSender> Senders => _senders;

    /// <summary>The journal's secret, which also opens fetch sessions to the targets (to heal damage from their copies).</summary>
    public byte[] Secret { get; }

    /// <summary>Starts replicating the journal; null when no target was given.</summary>
    public static MountReplication? Start(MountJournal journal, MountReplicationOptions options, ILogger logger)
    {
        if (options.Targets.Count == 0)
            return null;
        var replication = new MountReplication(journal, options, logger);
        foreach (var sender in replication._senders)
            sender.Start();
        journal.WaitForCopies(replication);
        return replication;
    }

    public UnacknowledgedCopy? WaitDurable(long storePosition)
    {
        var deadline = DateTime.UtcNow + _timeout;
        foreach (var sender in _senders)
        {
            var left = deadline - DateTime.UtcNow;
            if (!sender.WaitAcknowledged(storePosition, left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                var reason = sender.Problem is { } problem ? $"{sender.State.Name}: {problem}" : "connected, behind";
                return new UnacknowledgedCopy(sender.Target.ToString(), storePosition, _timeout, reason);
            }
        }
        return null;
    }

    /// <summary>
    /// At unmount, after the journal drained: gives each connected target up to
    /// <paramref name="patience"/> to acknowledge the store's last byte, so a replica is
    /// current when the mount is gone. A target not connected is not waited for; it gets the
    /// rest from the spool at the next replicating mount.
    /// </summary>
    public void Finish(long position, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        foreach (var sender in _senders.Where(sender => sender.Connected))
        {
            var left = deadline - DateTime.UtcNow;
            sender.WaitAcknowledged(position, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    public void Dispose()
    {
        foreach (var sender in _senders)
            sender.Dispose();
        _syncer.Dispose();
    }
}
