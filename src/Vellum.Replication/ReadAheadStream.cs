namespace Vellum.Replication;

/// <summary>
/// A duplex stream whose reads are served from a buffer filled by large reads of the inner
/// stream, and whose writes go straight through. Under <see cref="System.Net.Security.SslStream"/>:
/// it asks its inner stream for one TLS frame at a time (16 KiB, in two reads, header then
/// body), which on a socket is two receive calls per 16 KiB; through this buffer a whole
/// socket's worth arrives in one. Unlike <see cref="BufferedStream"/>, reading and writing
/// may run at once on different threads (the target reads records while it acknowledges).
/// The buffer is the connection's own, not pooled: no read still in flight can write into a
/// buffer handed back at disposal.
/// </summary>
internal sealed class ReadAheadStream(Stream inner, int bufferSize) : LayeredStream(inner)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    public override int Read(Span<byte> buffer)
    {
        if (_start == _end)
        {
            if (buffer.Length >= _buffer.Length)
                return Inner.Read(buffer);
            _start = 0;
            _end = Inner.Read(_buffer);
        }
        return Take(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_start == _end)
        {
            if (buffer.Length >= _buffer.Length)
                return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _start = 0;
            _end = await Inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        }
        return Take(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Take(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(buffer);
        _start += count;
        return count;
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Inner.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Inner.WriteAsync(buffer, offset, count, cancellationToken);
}
