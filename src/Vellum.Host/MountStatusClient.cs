using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vellum.Host;

/// <summary>Asks a journaled mount for its status (`vellum status`), over the socket its <see cref="MountHost"/> serves.</summary>
public static class MountStatusClient
{
    /// <summary>
    /// The status of the journaled mount at <paramref name="mountPoint"/>; null when none
    /// answers there (not mounted, mounted without a journal, or by another user's process).
    /// </summary>
    /// <exception cref="InvalidDataException">The mount answered something unreadable.</exception>
    public static MountStatusAnswer? Ask(string mountPoint)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        byte[] reply;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(StatusServer.EndPointFor(full));
            using var stream = new NetworkStream(socket);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            reply = buffer.ToArray();
        }
        catch (SocketException)
        {
            return null;
        }
        MountStatusReply? status;
        try
        {
            status = JsonSerializer.Deserialize(reply, StatusJson.Default.MountStatusReply);
        }
        catch (JsonException unreadable)
        {
            throw new InvalidDataException($"the mount at {full} sent an unreadable status: {unreadable.Message}", unreadable);
        }
        return status is null
            ? throw new InvalidDataException($"the mount at {full} sent an unreadable status")
            : new MountStatusAnswer(status, Encoding.UTF8.GetString(reply));
    }
}

/// <summary>A mount's status, parsed, and as the JSON it came in (`vellum status --json` prints that).</summary>
public sealed record MountStatusAnswer(MountStatusReply Status, string Json);
