using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vellum.Testing;

/// <summary>
/// A TCP proxy to put between a replication source and its target that breaks the link on
/// purpose: after a drawn number of bytes, on demand, or at once as a dead target would. It
/// forwards bytes as they arrive, whatever they are, so a cut lands exactly where the draw says,
/// mid-frame or mid-TLS-record. Draws come from the seed in accept order, so a seed that fails
/// replays the same cuts. Every cut is a reset (RST) of both ends, never a clean close.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable, IDisposable
{
    // One buffer per direction per connection: large enough not to slow a replication test,
    // fixed so the proxy never holds a whole stream.
    private const int BufferSize = 64 * 1024;

    // What getsockopt(IPPROTO_TCP, TCP_INFO) needs to say a socket has delivered every byte:
    // tcpi_unacked (segments in flight) and tcpi_notsent_bytes (still queued), at their offsets
    // in the kernel's struct tcp_info, which only ever grows at its end.
    private const int TcpInfo = 11;
    private const int TcpInfoSize = 256;
    private const int UnackedOffset = 24;
    private const int NotSentOffset = 144;

    // How long a cut waits for its bytes to reach the peers. A peer that reads nothing for this
    // long gets its cut early instead of hanging the test.
    private const long DeliveryLimitMilliseconds = 5_000;

    private readonly IPEndPoint _target;
    private readonly Random _random;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Link> _links = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly Task _accepting;
    private (long Min, long Max)? _cutRange;
    private bool _refuse;
    private bool _disposed;
    private int _connections;
    private int _cuts;
    private long _bytesForwarded;

    public CuttingProxy(IPEndPoint target, int seed)
    {
        _target = target;
        _random = new Random(seed);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen();
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Where the source should connect instead of the target.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Connections accepted so far, refused ones included.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections the proxy reset: by a drawn offset or by <see cref="CutAll"/>.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Bytes handed on, both directions of every connection summed.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

    /// <summary>
    /// While true, accepted connections are reset at once without reaching the target, as a dead
    /// target would refuse them. They count as connections, not as cuts.
    /// </summary>
    public bool Refuse
    {
        get => Volatile.Read(ref _refuse);
        set => Volatile.Write(ref _refuse, value);
    }

    /// <summary>
    /// From now on, each new connection is reset once it has forwarded an offset drawn uniformly
    /// from [<paramref name="minBytes"/>, <paramref name="maxBytes"/>], both directions summed;
    /// the byte at the offset is the last one forwarded. Open connections keep what they drew.
    /// </summary>
    public void CutAfterRandomBytes(long minBytes, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, minBytes);
        // long.MaxValue stands for "never" on a link.
        ArgumentOutOfRangeException.ThrowIfEqual(maxBytes, long.MaxValue);
        lock (_lock)
            _cutRange = (minBytes, maxBytes);
    }

    /// <summary>
    /// New connections run uncut, and so do open ones, except one whose cut already began: its
    /// bytes past the offset are gone, so it must end.
    /// </summary>
    public void StopCutting()
    {
        lock (_lock)
        {
            _cutRange = null;
            foreach (var link in _links)
                link.Disarm();
        }
    }

    /// <summary>Resets every open connection now, wherever its bytes are.</summary>
    public void CutAll()
    {
        Link[] links;
        lock (_lock)
            links = [.. _links];
        foreach (var link in links)
            link.Abort(cut: true);
    }

    /// <summary>
    /// Completes once <paramref name="count"/> connections were accepted. A connection counts
    /// once it is open to the target (or refused), so <see cref="CutAll"/> right after reaches it.
    /// </summary>
    public Task WaitForConnectionsAsync(int count, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_connections >= count)
                return Task.CompletedTask;
            ObjectDisposedException.ThrowIf(_disposed, this);
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var (_, reached) in _waiters)
                reached.TrySetException(new ObjectDisposedException(nameof(CuttingProxy)));
            _waiters.Clear();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        finally
        {
            _listener.Dispose();
            // The accept loop has ended, so no link joins after this snapshot.
            Link[] links;
            lock (_lock)
                links = [.. _links];
            foreach (var link in links)
                link.Abort(cut: false);
            await Task.WhenAll(links.Select(link => link.Running)).ConfigureAwait(false);
            _stopping.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // One connection at a time, so the draws follow accept order whatever the timing.
            await AdmitAsync(client).ConfigureAwait(false);
        }
    }

    private async Task AdmitAsync(Socket client)
    {
        if (Refuse)
        {
            client.Close(0);
            CountConnection();
            return;
        }
        long cutAt;
        lock (_lock)
            cutAt = _cutRange is var (min, max) ? _random.NextInt64(min, max + 1) : long.MaxValue;
        var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(_target, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The target is down (or the proxy is): the source learns it the hard way.
            server.Dispose();
            client.Close(0);
            // A connection caught by the proxy's own disposal was never really admitted.
            if (e is SocketException)
                CountConnection();
            return;
        }
        // The proxy must not add Nagle's delay to the small frames it relays.
        client.NoDelay = true;
        server.NoDelay = true;
        var link = new Link(this, client, server, cutAt);
        lock (_lock)
            _links.Add(link);
        link.Start();
        CountConnection();
    }

    private void CountConnection()
    {
        lock (_lock)
        {
            _connections++;
            _waiters.RemoveAll(waiter => waiter.Count <= _connections && waiter.Reached.TrySetResult());
        }
    }

    private void Forget(Link link)
    {
        lock (_lock)
            _links.Remove(link);
    }

    /// <summary>One accepted connection and its connection to the target, pumped both ways.</summary>
    private sealed class Link(CuttingProxy proxy, Socket client, Socket server, long cutAt)
    {
        private readonly Lock _lock = new();
        private long _cutAt = cutAt;
        private long _forwarded;
        private int _sending;
        private bool _cutClaimed;
        private bool _closed;

        public Task Running { get; private set; } = Task.CompletedTask;

        public void Start() => Running = RunAsync();

        public void Disarm()
        {
            lock (_lock)
            {
                if (_forwarded < _cutAt)
                    _cutAt = long.MaxValue;
            }
        }

        /// <summary>Resets both ends, unless the link is closed already.</summary>
        public void Abort(bool cut)
        {
            lock (_lock)
            {
                if (_closed)
                    return;
                _closed = true;
            }
            // Counted before the reset, so whoever sees the reset also sees the count.
            if (cut)
                Interlocked.Increment(ref proxy._cuts);
            client.Close(0);
            server.Close(0);
        }

        private async Task RunAsync()
        {
            try
            {
                // An offset of zero cuts before the first byte.
                if (TryClaimCut())
                    await CutAsync().ConfigureAwait(false);
                else
                    await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
            }
            finally
            {
                // Closed, cleanly or not: a late CutAll has nothing left to cut.
                lock (_lock)
                    _closed = true;
                client.Dispose();
                server.Dispose();
                proxy.Forget(this);
            }
        }

        private async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (true)
                {
                    var received = await from.ReceiveAsync(buffer.AsMemory(0, BufferSize), SocketFlags.None).ConfigureAwait(false);
                    if (received == 0)
                    {
                        // A half-close passes through; the other direction runs on.
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    var allowed = Reserve(received);
                    if (allowed > 0)
                    {
                        var pending = buffer.AsMemory(0, allowed);
                        while (!pending.IsEmpty)
                            pending = pending[await to.SendAsync(pending, SocketFlags.None).ConfigureAwait(false)..];
                        Interlocked.Add(ref proxy._bytesForwarded, allowed);
                        if (Release())
                        {
                            await CutAsync().ConfigureAwait(false);
                            return;
                        }
                    }
                    // The offset fell in this buffer: the rest of it is never forwarded.
                    if (allowed < received)
                        return;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // A peer reset, or the proxy reset the link under this pump. Either way both ends
                // go down hard, as they would with no proxy in between.
                Abort(cut: false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Takes what may be forwarded of <paramref name="received"/> bytes.</summary>
        private int Reserve(int received)
        {
            lock (_lock)
            {
                var allowed = (int)Math.Min(received, _cutAt - _forwarded);
                _forwarded += allowed;
                if (allowed > 0)
                    _sending++;
                return allowed;
            }
        }

        /// <summary>Ends a send; true when it was the last one before the offset, and so cuts.</summary>
        private bool Release()
        {
            lock (_lock)
            {
                _sending--;
                return TryClaimCutLocked();
            }
        }

        private bool TryClaimCut()
        {
            lock (_lock)
                return TryClaimCutLocked();
        }

        // Both directions share one offset, so the cut waits for whichever send is still on its
        // way to the bytes before the offset.
        private bool TryClaimCutLocked()
        {
            if (_forwarded < _cutAt || _sending > 0 || _cutClaimed)
                return false;
            _cutClaimed = true;
            return true;
        }

        private async Task CutAsync()
        {
            // A reset throws away what the kernel has not yet delivered, so a cut right after the
            // last send would land short of the offset whenever a peer reads slowly. Linux reports
            // no event for "acknowledged", so this polls.
            var deadline = Environment.TickCount64 + DeliveryLimitMilliseconds;
            while (!(Delivered(client) && Delivered(server)) && Environment.TickCount64 < deadline)
                await Task.Delay(1).ConfigureAwait(false);
            Abort(cut: true);
        }

        private static bool Delivered(Socket socket)
        {
            Span<byte> info = stackalloc byte[TcpInfoSize];
            int length;
            try
            {
                length = socket.GetRawSocketOption((int)SocketOptionLevel.Tcp, TcpInfo, info);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already reset: nothing more will be delivered.
                return true;
            }
            if (length < NotSentOffset + sizeof(uint))
                throw new PlatformNotSupportedException("TCP_INFO has no tcpi_notsent_bytes; Linux 4.6 or later is needed.");
            return MemoryMarshal.Read<uint>(info[UnackedOffset..]) == 0 && MemoryMarshal.Read<uint>(info[NotSentOffset..]) == 0;
        }
    }
}
