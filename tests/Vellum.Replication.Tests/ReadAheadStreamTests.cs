using System.IO.Pipes;

namespace Vellum.Replication.Tests;

public sealed class ReadAheadStreamTests
{
    private const int ReadAhead = 256 << 10;

    [Fact]
    public async Task Frame_sized_reads_take_the_inner_stream_in_large_reads_and_lose_no_byte()
    {
        var data = new byte[3 << 20];
        new Random(5).NextBytes(data);
        var inner = new CountingStream(new MemoryStream(data));
        await using var stream = new ReadAheadStream(inner, ReadAhead);

        // As SslStream reads a socket: a 5-byte frame header, then the frame's body.
        var received = new MemoryStream();
        var piece = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(piece.AsMemory(0, received.Length % (16 * 1024 + 5) == 0 ? 5 : piece.Length))) > 0)
            received.Write(piece, 0, read);

        Assert.Equal(data, received.ToArray());
        // One inner read per read-ahead buffer, and one that finds the end; without the
        // buffer it would be one per frame piece, some 400.
        Assert.InRange(inner.Reads, data.Length / ReadAhead, data.Length / ReadAhead + 2);
    }

    [Fact]
    public void A_read_at_least_as_large_as_the_buffer_goes_straight_to_the_inner_stream()
    {
        var data = new byte[ReadAhead * 2];
        new Random(6).NextBytes(data);
        var inner = new CountingStream(new MemoryStream(data));
        using var stream = new ReadAheadStream(inner, ReadAhead);

        var first = new byte[10];
        Assert.Equal(10, stream.Read(first));
        var rest = new byte[data.Length];
        var total = 0;
        int read;
        while ((read = stream.Read(rest, total, rest.Length - total)) > 0)
            total += read;

        Assert.Equal(data, first.Concat(rest.Take(total)).ToArray());
        Assert.Equal(data.Length, first.Length + total);
    }

    [Fact]
    public async Task Writes_go_through_while_a_read_waits()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.In);
        using var client = new AnonymousPipeClientStream(PipeDirection.Out, server.ClientSafePipeHandle);
        using var duplex = new DuplexStream(server, client);
        await using var stream = new ReadAheadStream(duplex, ReadAhead);

        var pending = stream.ReadAsync(new byte[100]).AsTask();
        // The write is the reader's data: it reaches the pipe only if writes do not wait for the read.
        await stream.WriteAsync(new byte[] { 1, 2, 3 });
        await stream.FlushAsync();

        Assert.Equal(3, await pending.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            return inner.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            return inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Reads from one pipe end, writes to the other: a socket's two directions, looped back.</summary>
    private sealed class DuplexStream(Stream reading, Stream writing) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => reading.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => reading.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => writing.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => writing.WriteAsync(buffer, cancellationToken);
        public override void Flush() => writing.Flush();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
