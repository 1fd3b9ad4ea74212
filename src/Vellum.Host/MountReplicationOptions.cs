using Vellum.Replication;

namespace Vellum.Host;

/// <summary>
/// A journaled mount's replication: the targets its journal streams to, the file holding the
/// journal's secret (mode 0600), and how long an fsync with <see cref="Recording.SyncMode.Remote"/>
/// waits for their acknowledgements before it fails with EIO.
/// </summary>
public sealed record MountReplicationOptions(IReadOnlyList<ReplicationTarget> Targets, string SecretFile)
{
    public static readonly TimeSpan DefaultRemoteTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan RemoteTimeout { get; init; } = DefaultRemoteTimeout;

    /// <summary>The waits after authentication failures in a row, the last repeating (<see cref="ReplicationSender.DefaultAuthenticationBackoff"/>: 5 s, 15 s, 1 min, then every 5 min).</summary>
    public IReadOnlyList<TimeSpan> AuthenticationBackoff { get; init; } = ReplicationSender.DefaultAuthenticationBackoff;
}
