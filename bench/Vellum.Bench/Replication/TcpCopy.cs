using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Vellum.Bench.Fuse;
using Vellum.Native;

namespace Vellum.Bench.Replication;

/// <summary>
/// The anchors: bytes over a loopback TCP socket with the same 1 MiB buffers the sender uses,
/// either from a file into a file on the same disk, fdatasynced at the end, or from memory
/// into memory, which leaves the socket and the layer over it (TLS, sealed frames) alone. A
/// <see cref="ISocketWrapper"/> puts that layer over both ends after they connect, before
/// the clock starts. Both ends run in this process, so its CPU time over a copy is what both
/// ends cost.
/// </summary>
internal static class TcpCopy
{
    private const int BufferSize = 1 << 20;
    private const long DropStep = 8L << 20;

    /// <summary>Seconds from the first byte read to the receiver's fdatasync returning.</summary>
    /// <param name="dropBehind">The receiver fdatasyncs every <see cref="DropStep"/> and drops what it wrote from the page cache, as a replica store with drop-behind does.</param>
    public static double Run(string source, string destination, ISocketWrapper? wrapper = null, bool dropBehind = false) =>
        Copy(wrapper, sending =>
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var buffer = new byte[BufferSize];
            int read;
            while ((read = input.Read(buffer)) > 0)
                sending.Write(buffer, 0, read);
        }, receiving => Receive(receiving, destination, dropBehind)).Seconds;

    /// <summary><paramref name="bytes"/> of random bytes from memory, received into memory: seconds, and seconds of CPU.</summary>
    public static (double Seconds, double CpuSeconds) RunInMemory(long bytes, ISocketWrapper? wrapper = null)
    {
        var data = new byte[BufferSize];
        new Random(7).NextBytes(data);
        return Copy(wrapper, sending =>
        {
            for (long sent = 0; sent < bytes; sent += data.Length)
                sending.Write(data, 0, (int)Math.Min(data.Length, bytes - sent));
        }, receiving =>
        {
            var buffer = new byte[BufferSize];
            while (receiving.Read(buffer) > 0)
            {
            }
        });
    }

    private static (double Seconds, double CpuSeconds) Copy(ISocketWrapper? wrapper, Action<Stream> send, Action<Stream> receive)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        using var accepted = listener.AcceptTcpClient();
        var serverSide = wrapper is null ? Task.FromResult<Stream>(accepted.GetStream()) : wrapper.ServerAsync(accepted.GetStream());
        using Stream sending = wrapper is null ? client.GetStream() : wrapper.Client(client.GetStream());
        using var receiving = serverSide.GetAwaiter().GetResult();

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var received = Task.Run(() => receive(receiving));
        send(sending);
        // A half close: the sender may hold bytes it never reads (TLS 1.3 session tickets),
        // and closing with them unread would reset the connection under the receiver.
        client.Client.Shutdown(SocketShutdown.Send);
        received.GetAwaiter().GetResult();
        var seconds = clock.Elapsed.TotalSeconds;
        return (seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    private static void Receive(Stream network, string destination, bool dropBehind)
    {
        using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var buffer = new byte[BufferSize];
        long written = 0;
        long synced = 0;
        int read;
        while ((read = network.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
            written += read;
            if (dropBehind && written - synced >= DropStep)
            {
                using var fd = LibC.Borrow(output.SafeFileHandle);
                if (LibC.FDataSync(fd.Fd) != 0)
                    throw SystemCallException.Last("fdatasync", destination);
                LibC.FAdvise(fd.Fd, synced, written - synced, LibCConstants.FAdviseDontNeed);
                synced = written;
            }
        }
        output.Flush(flushToDisk: true);
    }
}

/// <summary>A layer over both ends of <see cref="TcpCopy"/>'s connection.</summary>
internal interface ISocketWrapper
{
    Task<Stream> ServerAsync(Stream accepted);

    Stream Client(Stream connected);
}
