using System.Net;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Replication;

/// <summary>How a target listens: where, with which certificate (null: plain TCP), and whose secrets it accepts.</summary>
public sealed record ReplicationServerOptions(IPEndPoint Listen, X509Certificate2? Certificate, SecretBook Secrets)
{
    /// <summary>A journal's mirror, for acknowledgements: none (the default), following, or stopped, with the last transaction id it applied.</summary>
    public Func<Guid, MirrorProgress> Mirror { get; init; } = _ => default;
}

/// <summary>A target's mirror of one journal: its state, the last transaction id it applied (0 before any), and why it stopped.</summary>
public readonly record struct MirrorProgress(TargetMirrorState State, ulong Applied, string? Problem);
