using System.Net;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Replication;

/// <summary>How a target listens: where, with which certificate (null: plain TCP), and whose secrets it accepts.</summary>
public sealed record ReplicationServerOptions(IPEndPoint Listen, X509Certificate2? Certificate, SecretBook Secrets)
{
    /// <summary>The last transaction id a journal's mirror applied, for acknowledgements; 0 without a mirror.</summary>
    public Func<Guid, ulong> Applied { get; init; } = _ => 0;
}
