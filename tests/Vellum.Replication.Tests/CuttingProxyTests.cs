using System.Net;
using System.Net.Sockets;
using System.Text;
using Vellum.Testing;

namespace Vellum.Replication.Tests;

/// <summary>
/// The cutting proxy against real loopback servers: what passes through, where a cut lands, and
/// what each end sees. Replication tests trust these cuts to be exact and to be resets.
/// </summary>
public sealed class CuttingProxyTests
{
    // Only a guard against a hang; nothing waits for it to pass.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Bytes_pass_unchanged_both_ways_when_not_cutting()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 1);
        using var client = await ConnectAsync(proxy.Endpoint);
        using var server = await target.AcceptAsync();
        var payload = RandomBytes((1 << 20) + 17, seed: 1);

        var echo = EchoAsync(server);
        var back = ReadToEndAsync(client);
        Assert.Equal(SocketError.Success, await SendAsync(client, payload));
        client.Shutdown(SocketShutdown.Send);

        var (data, end) = await back.WaitAsync(Guard);
        Assert.Equal(SocketError.Success, end);
        Assert.Equal(payload, data);
        Assert.Equal((payload.LongLength, SocketError.Success), await echo.WaitAsync(Guard));
        Assert.Equal(2 * payload.LongLength, proxy.BytesForwarded);
        Assert.Equal(0, proxy.Cuts);
        Assert.Equal(1, proxy.Connections);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(65_536, false)]
    [InlineData(100_003, false)]
    [InlineData(3_000_001, false)]
    [InlineData(1_000_003, true)]
    public async Task A_cut_forwards_exactly_the_drawn_bytes_then_resets_both_ends(int offset, bool slowTarget)
    {
        // A small receive buffer keeps the proxy's last bytes queued in its own kernel when the
        // cut comes, which a reset would throw away.
        using var target = new Target(receiveBuffer: slowTarget ? 4096 : null);
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 2);
        proxy.CutAfterRandomBytes(offset, offset);
        var payload = RandomBytes(4 << 20, seed: 2);

        var source = SourceAsync(proxy.Endpoint, payload);
        using var server = await target.AcceptAsync();
        var (data, end) = await ReadToEndAsync(server).WaitAsync(Guard);

        Assert.Equal(SocketError.ConnectionReset, end);
        Assert.Equal(payload[..offset], data);
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(offset, proxy.BytesForwarded);
        Assert.True(SawReset(await source.WaitAsync(Guard)));
    }

    [Fact]
    public async Task A_cut_counts_the_bytes_of_both_directions_together()
    {
        const int Offset = 150_001;
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 3);
        proxy.CutAfterRandomBytes(Offset, Offset);
        using var client = await ConnectAsync(proxy.Endpoint);
        using var server = await target.AcceptAsync();
        var payload = RandomBytes(1 << 20, seed: 3);

        var echo = EchoAsync(server);
        var back = ReadToEndAsync(client);
        var sent = await SendAsync(client, payload).WaitAsync(Guard);
        var (data, readEnd) = await back.WaitAsync(Guard);
        var (echoed, echoEnd) = await echo.WaitAsync(Guard);

        Assert.Equal(Offset, echoed + data.Length);
        Assert.Equal(payload[..data.Length], data);
        Assert.Equal(SocketError.ConnectionReset, echoEnd);
        // The reset is reported once, to whichever of the client's send and read asks first.
        Assert.True(SawReset(sent) || readEnd == SocketError.ConnectionReset);
        Assert.Equal(1, proxy.Cuts);
    }

    [Fact]
    public async Task The_same_seed_draws_the_same_offsets_within_the_range()
    {
        const int Min = 1;
        const int Max = 200_000;
        var first = await CutOffsetsAsync(seed: 7);
        var second = await CutOffsetsAsync(seed: 7);

        Assert.Equal(first, second);
        Assert.All(first, offset => Assert.InRange(offset, Min, Max));

        static async Task<List<int>> CutOffsetsAsync(int seed)
        {
            using var target = new Target();
            await using var proxy = new CuttingProxy(target.Endpoint, seed);
            proxy.CutAfterRandomBytes(Min, Max);
            var payload = RandomBytes(Max + 1, seed);
            var offsets = new List<int>();
            for (var i = 0; i < 3; i++)
            {
                var source = SourceAsync(proxy.Endpoint, payload);
                using var server = await target.AcceptAsync();
                var (data, end) = await ReadToEndAsync(server).WaitAsync(Guard);
                Assert.Equal(SocketError.ConnectionReset, end);
                Assert.True(SawReset(await source.WaitAsync(Guard)));
                offsets.Add(data.Length);
            }
            Assert.Equal(3, proxy.Cuts);
            return offsets;
        }
    }

    [Fact]
    public async Task Refuse_resets_connections_at_once_without_reaching_the_target()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 4);
        using var timeout = new CancellationTokenSource(Guard);

        proxy.Refuse = true;
        Assert.Equal(SocketError.ConnectionReset, await SourceAsync(proxy.Endpoint, []).WaitAsync(Guard));
        await proxy.WaitForConnectionsAsync(1, timeout.Token);

        proxy.Refuse = false;
        using var client = await ConnectAsync(proxy.Endpoint);
        using var server = await target.AcceptAsync();
        _ = EchoAsync(server);
        await PingAsync(client);

        // The proxy admits one connection at a time, so had the refused one reached the
        // target it would have been accepted above or be waiting now.
        Assert.False(target.HasPending);
        Assert.Equal(2, proxy.Connections);
        Assert.Equal(0, proxy.Cuts);
    }

    [Fact]
    public async Task CutAll_resets_every_open_connection_and_later_ones_still_pass()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 5);
        using var timeout = new CancellationTokenSource(Guard);
        using var first = await ConnectAsync(proxy.Endpoint);
        using var second = await ConnectAsync(proxy.Endpoint);
        await proxy.WaitForConnectionsAsync(2, timeout.Token);
        using var firstServer = await target.AcceptAsync();
        using var secondServer = await target.AcceptAsync();
        var echoes = new[] { EchoAsync(firstServer), EchoAsync(secondServer) };
        await PingAsync(first);
        await PingAsync(second);

        proxy.CutAll();

        Assert.Equal(SocketError.ConnectionReset, (await ReadToEndAsync(first).WaitAsync(Guard)).End);
        Assert.Equal(SocketError.ConnectionReset, (await ReadToEndAsync(second).WaitAsync(Guard)).End);
        foreach (var echo in echoes)
            Assert.Equal(SocketError.ConnectionReset, (await echo.WaitAsync(Guard)).End);
        Assert.Equal(2, proxy.Cuts);

        using var third = await ConnectAsync(proxy.Endpoint);
        using var thirdServer = await target.AcceptAsync();
        _ = EchoAsync(thirdServer);
        await PingAsync(third);
        Assert.Equal(2, proxy.Cuts);
    }

    [Fact]
    public async Task StopCutting_disarms_open_connections_and_spares_new_ones()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 6);
        proxy.CutAfterRandomBytes(1_000, 1_000);
        using var open = await ConnectAsync(proxy.Endpoint);
        using var openServer = await target.AcceptAsync();
        _ = EchoAsync(openServer);
        await PingAsync(open);

        proxy.StopCutting();

        await RoundTripAsync(open, RandomBytes(1 << 20, seed: 6));
        using var later = await ConnectAsync(proxy.Endpoint);
        using var laterServer = await target.AcceptAsync();
        _ = EchoAsync(laterServer);
        await RoundTripAsync(later, RandomBytes(1 << 20, seed: 7));
        Assert.Equal(0, proxy.Cuts);
    }

    [Fact]
    public async Task Disposal_resets_open_connections_and_stops_listening()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 8);
        using var client = await ConnectAsync(proxy.Endpoint);
        using var server = await target.AcceptAsync();
        var echo = EchoAsync(server);
        await PingAsync(client);

        await proxy.DisposeAsync().AsTask().WaitAsync(Guard);

        Assert.Equal(SocketError.ConnectionReset, (await ReadToEndAsync(client).WaitAsync(Guard)).End);
        Assert.Equal(SocketError.ConnectionReset, (await echo.WaitAsync(Guard)).End);
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(proxy.Endpoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(0, proxy.Cuts);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => proxy.WaitForConnectionsAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task Waiting_for_connections_honours_cancellation()
    {
        using var target = new Target();
        await using var proxy = new CuttingProxy(target.Endpoint, seed: 9);
        using var cancelled = new CancellationTokenSource();
        var waiting = proxy.WaitForConnectionsAsync(1, cancelled.Token);

        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Guard));
        Assert.Equal(0, proxy.Connections);
    }

    /// <summary>
    /// Whether a source saw its connection reset. A reader is told ECONNRESET; a writer may be
    /// told EPIPE instead once the reset's error was taken, which only a reset explains here.
    /// </summary>
    private static bool SawReset(SocketError end) => end is SocketError.ConnectionReset or SocketError.Shutdown;

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint).WaitAsync(Guard);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A source that connects, sends everything, then reads to the end; it returns the first
    /// failure it saw, or Success for a clean close.
    /// </summary>
    private static async Task<SocketError> SourceAsync(IPEndPoint endpoint, byte[] payload)
    {
        try
        {
            using var socket = await ConnectAsync(endpoint);
            var sent = await SendAsync(socket, payload);
            return sent == SocketError.Success ? (await ReadToEndAsync(socket)).End : sent;
        }
        catch (SocketException e)
        {
            // A reset right after the accept can beat the connect's own completion.
            return e.SocketErrorCode;
        }
    }

    /// <summary>Sends everything, or says how the connection ended first.</summary>
    private static async Task<SocketError> SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        try
        {
            while (!data.IsEmpty)
                data = data[await socket.SendAsync(data)..];
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    /// <summary>Everything the peer sent, and how it ended: Success for a clean close.</summary>
    private static async Task<(byte[] Data, SocketError End)> ReadToEndAsync(Socket socket)
    {
        var data = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
                data.Write(buffer, 0, read);
            return (data.ToArray(), SocketError.Success);
        }
        catch (SocketException e)
        {
            return (data.ToArray(), e.SocketErrorCode);
        }
    }

    /// <summary>
    /// Sends back what arrives and counts it, including what arrives after sending back failed,
    /// and reports the first way the connection ended.
    /// </summary>
    private static async Task<(long Received, SocketError End)> EchoAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var received = 0L;
        var end = SocketError.Success;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
            {
                received += read;
                if (end == SocketError.Success)
                    end = await SendAsync(socket, buffer.AsMemory(0, read));
            }
            if (end == SocketError.Success)
                socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException e) when (end == SocketError.Success)
        {
            end = e.SocketErrorCode;
        }
        catch (SocketException)
        {
            // Only the first ending is reported; the rest follows from it.
        }
        return (received, end);
    }

    private static async Task PingAsync(Socket client) => await RoundTripAsync(client, Encoding.ASCII.GetBytes("ping"));

    /// <summary>Sends data to an echo and reads the same bytes back, both at once.</summary>
    private static async Task RoundTripAsync(Socket client, byte[] data)
    {
        var sending = SendAsync(client, data);
        var back = new byte[data.Length];
        var filled = 0;
        while (filled < back.Length)
        {
            var read = await client.ReceiveAsync(back.AsMemory(filled)).AsTask().WaitAsync(Guard);
            Assert.NotEqual(0, read);
            filled += read;
        }
        Assert.Equal(SocketError.Success, await sending.WaitAsync(Guard));
        Assert.Equal(data, back);
    }

    /// <summary>A loopback listener standing in for the replication target.</summary>
    private sealed class Target : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public Target(int? receiveBuffer = null)
        {
            // Accepted sockets inherit it, and it must be set before the handshake to shape the window.
            if (receiveBuffer is { } size)
                _listener.ReceiveBufferSize = size;
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen();
        }

        public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndPoint!;

        public bool HasPending => _listener.Poll(0, SelectMode.SelectRead);

        public async Task<Socket> AcceptAsync() => await _listener.AcceptAsync().WaitAsync(Guard);

        public void Dispose() => _listener.Dispose();
    }
}
