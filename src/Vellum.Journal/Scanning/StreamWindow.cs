using System.Buffers;

namespace Vellum.Journal.Scanning;

/// <summary>
/// The unread bytes of a stream from <see cref="Position"/> on, read ahead in large blocks so
/// records are parsed from spans instead of through per-byte stream calls. The buffer doubles
/// only when it is full of bytes that actually arrived, so a large declared size costs nothing
/// until the input really holds that much.
/// </summary>
internal sealed class StreamWindow(Stream stream, long startPosition = 0) : IDisposable
{
    private const int InitialSize = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;
    private bool _endOfInput;

    /// <summary>Stream offset of the first byte of <see cref="Span"/>.</summary>
    public long Position { get; private set; } = startPosition;

    public int Available => _end - _start;

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Reads until at least <paramref name="count"/> bytes are available; false if the input ends first.</summary>
    public bool Ensure(int count)
    {
        while (_end - _start < count)
        {
            if (_endOfInput)
                return false;
            MakeRoom(count);
            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
                _endOfInput = true;
            else
                _end += read;
        }
        return true;
    }

    /// <summary>Consumes <paramref name="count"/> available bytes.</summary>
    public void Advance(int count)
    {
        _start += count;
        Position += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    private void MakeRoom(int count)
    {
        if (_end < _buffer.Length)
            return;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            return;
        }
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * _buffer.Length, count));
        _buffer.AsSpan(0, _end).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0)
            return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _start = 0;
        _end = 0;
    }
}
