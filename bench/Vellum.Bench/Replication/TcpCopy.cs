using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Vellum.Bench.Fuse;

namespace Vellum.Bench.Replication;

/// <summary>
/// The anchor: the same bytes over a loopback TCP socket into a file on the same disk,
/// fdatasynced at the end, with the same 1 MiB buffers the sender uses. Seconds from the first
/// byte read to the receiver's fdatasync returning. A <see cref="ISocketWrapper"/> puts a
/// layer (TLS, sealed frames) over both ends after they connect, before the clock starts.
/// Both ends run in this process, so its CPU time over the copy is what both ends cost.
/// </summary>
internal static class TcpCopy
{
    private const int BufferSize = 1 << 20;
    private const long DropStep = 8L << 20;

    /// <returns>Seconds of the copy, and seconds of CPU this process used over it.</returns>
    /// <param name="dropBehind">The receiver fdatasyncs every <see cref="DropStep"/> and drops what it wrote from the page cache, as a replica store with drop-behind does.</param>
    public static (double Seconds, double CpuSeconds) Run(string source, string destination, ISocketWrapper? wrapper = null, bool dropBehind = false)
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
        var received = Task.Run(() => Receive(receiving, destination, dropBehind));
        using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            var buffer = new byte[BufferSize];
            int read;
            while ((read = input.Read(buffer)) > 0)
                sending.Write(buffer, 0, read);
        }
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
                var fd = (int)output.SafeFileHandle.DangerousGetHandle();
                if (Libc.fdatasync(fd) != 0)
                    throw new IOException($"fdatasync {destination}: errno {Marshal.GetLastPInvokeError()}");
                Libc.posix_fadvise(fd, 0, written, Libc.POSIX_FADV_DONTNEED);
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
