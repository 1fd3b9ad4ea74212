namespace Vellum.Store;

/// <summary>
/// The first <paramref name="length"/> bytes of a stream: a scan of a file another process
/// appends to reads no further than the file reached when the scan began. Appends into the
/// writer's runway (zeros already in the file) may still show, whole or in part; the scan's
/// rules for zeros and torn records cover them (TailScan).
/// </summary>
internal sealed class BoundedReadStream(Stream inner, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _position)]);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
