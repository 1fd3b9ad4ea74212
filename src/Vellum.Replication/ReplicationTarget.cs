using System.Net;
using Vellum.Replication.Security;

namespace Vellum.Replication;

/// <summary>
/// Where a source replicates to and how it trusts it: <c>tcp://HOST:PORT</c>, TLS with the
/// server's certificate pinned (<see cref="Pin"/>), or plain TCP when <see cref="Pin"/> is
/// null, which <see cref="Parse"/> allows only with insecure set, and then only to a
/// loopback address unless forced.
/// </summary>
public sealed record ReplicationTarget(string Host, int Port, ServerPin? Pin)
{
    public override string ToString() => $"tcp://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";

    /// <exception cref="FormatException">Not a tcp:// address, or plain TCP not allowed for it.</exception>
    public static ReplicationTarget Parse(string address, ServerPin? pin, bool insecure, bool forceInsecure)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != "tcp" || uri.Port <= 0 || uri.AbsolutePath is not ("" or "/") || uri.Host.Length == 0)
            throw new FormatException($"replication target '{address}': expected tcp://HOST:PORT");
        var host = uri.Host.Trim('[', ']');
        if (pin is null && !insecure)
            throw new FormatException($"replication target {address}: give the server's certificate (--tls-fingerprint or --tls-ca), or --insecure for plain TCP on loopback");
        if (pin is null && !forceInsecure && !IsLoopback(host))
            throw new FormatException($"replication target {address}: plain TCP (--insecure) only to a loopback address; --force-insecure sends the journal unprotected over the network");
        return new ReplicationTarget(host, uri.Port, pin);
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
