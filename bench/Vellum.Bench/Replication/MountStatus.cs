using System.Net.Sockets;
using System.Text.Json;

namespace Vellum.Bench.Replication;

/// <summary>
/// A journaled mount's status as `vellum status --json` reads it, straight from the mount's
/// status socket (no process per question).
/// </summary>
internal static class MountStatus
{
    /// <summary>The mount's whole reply, as `vellum status --json` prints it.</summary>
    /// <exception cref="SocketException">No journaled mount answers at <paramref name="mountPoint"/> (yet).</exception>
    public static JsonElement Query(string mountPoint)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint("\0vellum-status:" + mountPoint));
        using var stream = new NetworkStream(socket);
        using var reply = JsonDocument.Parse(stream);
        return reply.RootElement.Clone();
    }

    /// <summary>The written position and what the first replication target acknowledged durable (-1: none yet).</summary>
    public static (long Written, long Acknowledged) Positions(string mountPoint)
    {
        var root = Query(mountPoint);
        var replicas = root.GetProperty("replicas");
        return (root.GetProperty("written_position").GetInt64(), replicas.GetArrayLength() == 0 ? -1 : replicas[0].GetProperty("acknowledged_durable").GetInt64());
    }
}
