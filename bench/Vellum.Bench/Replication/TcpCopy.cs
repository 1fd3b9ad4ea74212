using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vellum.Bench.Replication;

/// <summary>
/// The anchor: the same bytes over a plain loopback TCP socket into a file on the same disk,
/// fdatasynced at the end, with the same 1 MiB buffers the sender uses. Seconds from the first
/// byte read to the receiver's fdatasync returning.
/// </summary>
internal static class TcpCopy
{
    private const int BufferSize = 1 << 20;

    public static double Run(string source, string destination)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var clock = Stopwatch.StartNew();
        var receiving = Task.Run(() => Receive(listener, destination));
        using (var client = new TcpClient())
        {
            client.NoDelay = true;
            client.Connect((IPEndPoint)listener.LocalEndpoint);
            using var network = client.GetStream();
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var buffer = new byte[BufferSize];
            int read;
            while ((read = input.Read(buffer)) > 0)
                network.Write(buffer, 0, read);
        }
        receiving.GetAwaiter().GetResult();
        return clock.Elapsed.TotalSeconds;
    }

    private static void Receive(TcpListener listener, string destination)
    {
        using var client = listener.AcceptTcpClient();
        using var network = client.GetStream();
        using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = network.Read(buffer)) > 0)
            output.Write(buffer, 0, read);
        output.Flush(flushToDisk: true);
    }
}
