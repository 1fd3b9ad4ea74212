using Vellum.Store;

namespace Vellum.Catalog;

/// <summary>
/// A store's bytes from one position on, read straight from its segment files without opening
/// the store (which would scan its newest segment): the catalog reads only what it has not
/// indexed yet. Ends at the newest file's end as it is when read, or at <c>limit</c> (the
/// durable end of a live mount's store). Counts what it delivered, for
/// <see cref="CatalogUpdate.StoreBytesRead"/>.
/// </summary>
internal sealed class SegmentFilesStream : Stream
{
    private readonly IReadOnlyList<(long Start, string Path)> _files;
    private readonly long _limit;
    private FileStream? _current;
    private int _index;
    private long _position;

    public SegmentFilesStream(string directory, long position, long limit)
    {
        _files = StoreFiles.List(directory);
        _position = position;
        _limit = limit;
        _index = -1;
        for (var i = 0; i < _files.Count; i++)
        {
            if (_files[i].Start <= position)
                _index = i;
        }
        if (_index < 0)
            throw new InvalidOperationException($"store position {position} is no longer held in {directory}");
    }

    public long BytesRead { get; private set; }

    /// <summary>Goes on reading from <paramref name="position"/> (a restore jumping over what it does not need), keeping the file open when it is the same.</summary>
    public void MoveTo(long position)
    {
        var index = -1;
        for (var i = 0; i < _files.Count; i++)
        {
            if (_files[i].Start <= position)
                index = i;
        }
        if (index < 0)
            throw new InvalidOperationException($"store position {position} is no longer held");
        if (index != _index)
        {
            _current?.Dispose();
            _current = null;
            _index = index;
        }
        _position = position;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_index < _files.Count)
        {
            var wanted = (int)Math.Min(buffer.Length, _limit - _position);
            if (wanted <= 0)
                return 0;
            var (start, path) = _files[_index];
            var end = _index + 1 < _files.Count ? _files[_index + 1].Start : long.MaxValue;
            wanted = (int)Math.Min(wanted, end - _position);
            if (wanted > 0)
            {
                _current ??= new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
                var read = RandomAccess.Read(_current.SafeFileHandle, buffer[..wanted], _position - start);
                if (read > 0)
                {
                    _position += read;
                    BytesRead += read;
                    return read;
                }
            }
            if (_index + 1 >= _files.Count)
                return 0;
            _current?.Dispose();
            _current = null;
            _index++;
        }
        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _current?.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
