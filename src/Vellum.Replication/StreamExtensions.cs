namespace Vellum.Replication;

internal static class StreamExtensions
{
    /// <summary>Reads exactly <paramref name="buffer"/>'s length; a peer closing first is a protocol error naming <paramref name="what"/>.</summary>
    public static async ValueTask ReadExactAsync(this Stream stream, Memory<byte> buffer, string what, CancellationToken cancellation)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (read < buffer.Length)
            throw new ReplicationRefusedException($"the connection ended inside the {what} ({read} of {buffer.Length} bytes received)");
    }
}
