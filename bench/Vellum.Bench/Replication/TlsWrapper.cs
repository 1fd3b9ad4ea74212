using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Bench.Replication;

/// <summary>
/// TLS over <see cref="TcpCopy"/>'s connection, as replication sets it up (SslStream, the
/// server's self-signed certificate pinned by fingerprint, the defaults' protocol and cipher):
/// the anchor for what TLS alone costs on this machine.
/// </summary>
internal sealed class TlsWrapper(string certificateDirectory) : ISocketWrapper
{
    private readonly X509Certificate2 _certificate = ServerCertificate.LoadOrCreate(certificateDirectory, out _);

    public async Task<Stream> ServerAsync(Stream accepted)
    {
        var tls = new SslStream(accepted, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
        return tls;
    }

    public Stream Client(Stream connected)
    {
        var expected = ServerCertificate.Fingerprint(_certificate);
        var tls = new SslStream(connected, leaveInnerStreamOpen: false,
            (_, certificate, _, _) => certificate is not null && ServerCertificate.Fingerprint(certificate) == expected);
        tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "vellum" });
        return tls;
    }
}
