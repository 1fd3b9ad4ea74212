using System.Net.Sockets;
using System.Text.Json;

namespace Vellum.Bench.Replication;

/// <summary>
/// A journaled mount's status as `vellum status --json` reads it, straight from the mount's
/// status socket (no process per question): its written position and what its first
/// replication target acknowledged durable.
/// </summary>
internal static class MountStatus
{
    public static (long Written, long Acknowledged) Positions(string mountPoint)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint("\0vellum-status:" + mountPoint));
        using var stream = new NetworkStream(socket);
        using var reply = JsonDocument.Parse(stream);
        var root = reply.RootElement;
        var replicas = root.GetProperty("replicas");
        return (root.GetProperty("written_position").GetInt64(), replicas.GetArrayLength() == 0 ? -1 : replicas[0].GetProperty("acknowledged_durable").GetInt64());
    }
}
