using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

/// <summary>What a source saw of one TLS handshake: whether it went through, and every rejection its pin reported.</summary>
internal sealed record TlsOutcome(bool Accepted, IReadOnlyList<string> Rejections);

/// <summary>
/// One real TLS handshake over a loopback TCP connection: a server presenting a certificate,
/// a source checking it with a <see cref="ServerPin"/>, and one byte sent through the
/// encrypted stream once both ends are up.
/// </summary>
internal static class TlsLoopback
{
    private const byte Greeting = 42;

    /// <param name="intermediates">CA certificates the server sends after its own, as a server whose certificate an intermediate CA issued must.</param>
    public static async Task<TlsOutcome> HandshakeAsync(
        X509Certificate2 serverCertificate, ServerPin pin, string targetHost = "localhost", X509Certificate2Collection? intermediates = null)
    {
        // Not a pause: a bound on a handshake that should take milliseconds, so a hang fails instead of stalling the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var server = ServeAsync(listener, serverCertificate, intermediates, timeout.Token);
            var rejections = new List<string>();
            bool accepted;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, timeout.Token);
                await using var tls = new SslStream(client.GetStream());
                var options = new SslClientAuthenticationOptions
                {
                    TargetHost = targetHost,
                    RemoteCertificateValidationCallback = pin.Callback(rejections.Add),
                };
                try
                {
                    await tls.AuthenticateAsClientAsync(options, timeout.Token);
                    var received = new byte[1];
                    await tls.ReadExactlyAsync(received, timeout.Token);
                    Assert.Equal(Greeting, received[0]);
                    Assert.Equal(ServerCertificate.Fingerprint(serverCertificate), ServerCertificate.Fingerprint(tls.RemoteCertificate!));
                    accepted = true;
                }
                catch (AuthenticationException)
                {
                    accepted = false;
                }
            }
            // The client is closed by now, so a server still waiting for a refused handshake sees the end and fails.
            // Its own verdict is not asserted: under TLS 1.3 the server may finish before the client refuses.
            await server;
            return new TlsOutcome(accepted, rejections);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task ServeAsync(TcpListener listener, X509Certificate2 certificate, X509Certificate2Collection? intermediates, CancellationToken cancellation)
    {
        var options = new SslServerAuthenticationOptions
        {
            // Offline: the test CAs publish nothing to fetch.
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
        };
        using var connection = await listener.AcceptTcpClientAsync(cancellation);
        await using var tls = new SslStream(connection.GetStream());
        try
        {
            await tls.AuthenticateAsServerAsync(options, cancellation);
            await tls.WriteAsync(new[] { Greeting }, cancellation);
            await tls.FlushAsync(cancellation);
        }
        catch (Exception refused) when (refused is AuthenticationException or IOException)
        {
            // The source refused the handshake; what it saw is the outcome.
        }
    }
}
