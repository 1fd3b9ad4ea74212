using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Vellum.Replication.Security;

namespace Vellum.Replication;

/// <summary>The source's side of a connection before and after the handshake, for a replicating session and a fetch session alike.</summary>
internal static class SourceConnection
{
    /// <summary>TLS trusting the target's certificate only as pinned, or the plain connection when the target has no pin (--insecure).</summary>
    public static async Task<Stream> SecureAsync(NetworkStream network, ReplicationTarget target, CancellationToken cancellation)
    {
        if (target.Pin is not { } pin)
            return network;
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        string? rejected = null;
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.Host,
                RemoteCertificateValidationCallback = pin.Callback(problem => rejected = problem),
            }, cancellation).ConfigureAwait(false);
            return tls;
        }
        catch (AuthenticationException error) when (rejected is not null)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new ReplicationRefusedException($"the server's certificate is not the one expected: {rejected}", error) { Condition = TargetCondition.AuthenticationFailed };
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Past the handshake, TLS carries nothing more: records and acknowledgements go in
    /// frames sealed with the session's keys, straight on the connection, starting with the
    /// empty frame the target waits for (docs/replication.md, "Sealed frames").
    /// </summary>
    public static async Task<SealedStream> SealAsync(NetworkStream network, SessionKeys keys, CancellationToken cancellation)
    {
        var sealedStream = new SealedStream(network, keys.SourceToTarget, keys.TargetToSource);
        try
        {
            await sealedStream.WriteOpeningAsync(cancellation).ConfigureAwait(false);
            return sealedStream;
        }
        catch
        {
            await sealedStream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
