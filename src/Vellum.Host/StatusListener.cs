using System.Net.Sockets;
using Vellum.Native;

namespace Vellum.Host;

/// <summary>
/// A mount's status socket file, listening: bound in a <see cref="StatusSocketDirectory"/>
/// under the name of its mountpoint, mode 0666 (connecting takes write permission; every
/// user may ask). A file of that name that no server answers on was left by a mount killed
/// (kill -9 leaves it) and is replaced; one that answers belongs to a running mount and is
/// left alone. Disposing removes the file.
/// </summary>
internal sealed class StatusListener : IDisposable
{
    private const uint EveryoneMayConnect = 0x1B6; // 0666

    private StatusListener(Socket socket, string path)
    {
        Socket = socket;
        Path = path;
    }

    public Socket Socket { get; }

    /// <summary>The socket file.</summary>
    public string Path { get; }

    /// <summary>Binds and listens on the status socket of <paramref name="mountPoint"/> in <paramref name="directory"/> (prepared: <see cref="StatusSocketDirectory.Prepare"/>).</summary>
    /// <exception cref="MountStartException">A server answers there already, something else than a socket is there, or binding failed.</exception>
    public static StatusListener Listen(string directory, string mountPoint)
    {
        var path = StatusSocketDirectory.SocketPath(directory, mountPoint);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException taken) when (taken.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                RemoveStale(path, mountPoint);
                socket.Dispose();
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            if (LibC.FChmodAt(LibCConstants.AtFdCwd, path, EveryoneMayConnect, 0) != 0)
                throw new MountStartException($"cannot chmod the status socket {path}: {LibC.LastError().Text}");
            socket.Listen(16);
            return new StatusListener(socket, path);
        }
        catch (SocketException failed)
        {
            socket.Dispose();
            throw new MountStartException($"cannot make the status socket {path} of {mountPoint}: {failed.Message}", failed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        // .NET removes the file it bound as it closes the socket, too; the stop does not depend on
        // that. No successor can have replaced it yet: a second mount at this mountpoint is
        // refused while this one runs.
        LibC.UnlinkAt(LibCConstants.AtFdCwd, Path, 0);
        Socket.Dispose();
    }

    /// <summary>Removes the socket file at <paramref name="path"/> if no server answers on it.</summary>
    private static unsafe void RemoveStale(string path, string mountPoint)
    {
        StatxBuffer stat;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
            return;
        if ((stat.Mode & LibCConstants.SIfMt) != LibCConstants.SIfSock)
            throw new MountStartException($"{path}, where the status socket of {mountPoint} goes, is not a socket; remove it and mount again");
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new MountStartException($"a server answers on {path}, the status socket of {mountPoint}, already: 'vellum status {mountPoint}' asks it");
            }
            catch (SocketException gone) when (gone.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
            {
                // Nobody listens: what a killed mount left.
            }
        }
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, path, 0) != 0 && LibC.LastError() is var error && error != Errno.ENOENT)
            throw new MountStartException($"cannot remove the stale status socket {path}: {error.Text}");
    }
}
