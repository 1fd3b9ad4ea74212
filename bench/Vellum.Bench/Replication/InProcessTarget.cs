using System.Net;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;

namespace Vellum.Bench.Replication;

/// <summary>
/// A real replication target (TLS, secrets, replica stores) served from this process on a
/// loopback port, and senders to it with its certificate pinned: the probes that need the
/// source's and the target's clocks to be one.
/// </summary>
internal sealed class InProcessTarget : IDisposable
{
    private const string Secret = "bench-in-process-secret";

    private readonly ReplicaJournals _journals;
    private readonly ReplicationServer _server;
    private readonly X509Certificate2 _certificate;

    public InProcessTarget(string directory)
    {
        Directory.CreateDirectory(directory);
        var secrets = Path.Combine(directory, "secrets");
        File.WriteAllText(secrets, $"* {Secret}\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _certificate = ServerCertificate.LoadOrCreate(Path.Combine(directory, "tls"), out _);
        _journals = new ReplicaJournals(Path.Combine(directory, "journals"));
        _server = new ReplicationServer(_journals, new ReplicationServerOptions(new IPEndPoint(IPAddress.Loopback, 0), _certificate, SecretBook.Load(secrets)));
        _server.Start();
    }

    /// <summary>A started sender of <paramref name="store"/> to this target.</summary>
    public ReplicationSender SenderOf(SegmentStore store)
    {
        var target = new ReplicationTarget("127.0.0.1", _server.Endpoint.Port, ServerPin.Fingerprint(ServerCertificate.Fingerprint(_certificate)));
        var sender = new ReplicationSender(store, target, System.Text.Encoding.UTF8.GetBytes(Secret));
        sender.Start();
        return sender;
    }

    public void Dispose()
    {
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journals.Dispose();
        _certificate.Dispose();
    }
}
