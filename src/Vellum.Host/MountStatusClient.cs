using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vellum.Native;

namespace Vellum.Host;

/// <summary>
/// Asks a journaled mount for its status (`vellum status`), over the socket its
/// <see cref="MountHost"/> serves: connect, receive one JSON object. Only a server run by root
/// or by this user is believed (SO_PEERCRED), and only a reply for the mountpoint asked about.
/// </summary>
public static class MountStatusClient
{
    /// <summary>
    /// The status of the journaled mount at <paramref name="mountPoint"/>, asked in root's status
    /// directory and then (not root) in the user's own; null when none answers there (not
    /// mounted, mounted without a journal, or by another user's process).
    /// </summary>
    /// <exception cref="InvalidDataException">The mount answered something unreadable, or for another mountpoint.</exception>
    /// <exception cref="UntrustedStatusServerException">Neither root nor this user serves the socket.</exception>
    public static MountStatusAnswer? Ask(string mountPoint) => Ask(mountPoint, StatusSocketDirectory.Searched);

    /// <summary>The status of the mount at <paramref name="mountPoint"/> whose socket is in <paramref name="statusDirectory"/>; see <see cref="Ask(string)"/>.</summary>
    public static MountStatusAnswer? Ask(string mountPoint, string statusDirectory) => Ask(mountPoint, [statusDirectory]);

    private static MountStatusAnswer? Ask(string mountPoint, IReadOnlyList<string> statusDirectories)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        foreach (var directory in statusDirectories)
        {
            var path = StatusSocketDirectory.SocketPath(directory, full);
            if (Receive(path) is { } reply)
                return Parse(reply, path, full);
        }
        return null;
    }

    /// <summary>What the server at <paramref name="path"/> sends, once its credentials are checked; null when none answers there.</summary>
    private static byte[]? Receive(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            return null;
        }
        var server = LibC.PeerCredentialsOf(socket.SafeHandle);
        var euid = LibC.GetEuid();
        if (server.Uid != 0 && server.Uid != euid)
            throw new UntrustedStatusServerException(path, server, euid);
        using var stream = new NetworkStream(socket);
        using var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (IOException)
        {
            // The mount stopped as it answered: as if it had not answered.
            return null;
        }
        return buffer.ToArray();
    }

    private static MountStatusAnswer Parse(byte[] reply, string path, string mountPoint)
    {
        MountStatusReply? status;
        try
        {
            status = JsonSerializer.Deserialize(reply, StatusJson.Default.MountStatusReply);
        }
        catch (JsonException unreadable)
        {
            throw new InvalidDataException($"the mount at {mountPoint} sent an unreadable status: {unreadable.Message}", unreadable);
        }
        if (status is null)
            throw new InvalidDataException($"the mount at {mountPoint} sent an unreadable status");
        if (status.MountPoint != mountPoint)
            throw new InvalidDataException($"the status socket {path} of {mountPoint} answered for the mount at {status.MountPoint}");
        return new MountStatusAnswer(status, Encoding.UTF8.GetString(reply));
    }
}

/// <summary>A mount's status, parsed, and as the JSON it came in (`vellum status --json` prints that).</summary>
public sealed record MountStatusAnswer(MountStatusReply Status, string Json);
