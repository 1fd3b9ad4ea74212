using System.Globalization;
using Vellum.Native;

namespace Vellum.Host;

/// <summary>
/// A status socket served by a process of neither root nor the asking user: not a vellum
/// mount to trust (a mount runs as root, or as the user who mounted it), so its answer is not
/// read.
/// </summary>
public sealed class UntrustedStatusServerException : Exception
{
    public UntrustedStatusServerException(string path, PeerCredentials server, uint euid)
        : base(string.Create(CultureInfo.InvariantCulture, $"pid {server.Pid} (uid {server.Uid}) answers on the status socket {path}, and is neither root nor you (uid {euid}): it is not a vellum mount to trust, and its answer was not read"))
    {
        Path = path;
        Server = server;
    }

    public UntrustedStatusServerException()
        : this("", default, 0)
    {
    }

    public UntrustedStatusServerException(string message)
        : base(message)
    {
        Path = "";
    }

    public UntrustedStatusServerException(string message, Exception inner)
        : base(message, inner)
    {
        Path = "";
    }

    /// <summary>The socket file.</summary>
    public string Path { get; }

    /// <summary>Who answers on it.</summary>
    public PeerCredentials Server { get; }
}
