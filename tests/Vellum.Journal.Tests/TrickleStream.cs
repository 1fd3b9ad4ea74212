namespace Vellum.Journal.Tests;

/// <summary>A non-seekable stream that hands out its bytes in small random pieces, like a socket.</summary>
internal sealed class TrickleStream(byte[] bytes, int seed, int maxPiece = 97) : Stream
{
    private readonly Random _rng = new(seed);
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var piece = Math.Min(Math.Min(count, bytes.Length - _position), 1 + _rng.Next(maxPiece));
        bytes.AsSpan(_position, piece).CopyTo(buffer.AsSpan(offset));
        _position += piece;
        return piece;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
