namespace Vellum.Store;

/// <summary>
/// The store's bytes from a position on, read across segment files through their own
/// read-only descriptors (so retention deleting a segment being read does not disturb the
/// read). Reads never pass the written (or durable) position, which only ever lies between
/// whole records, so a reader never sees a record half written.
/// </summary>
internal sealed class StoreStream(SegmentStore store, long position, bool follow, bool durableOnly, CancellationToken cancellation) : Stream
{
    private SegmentFile? _file;
    private string? _filePath;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        while (true)
        {
            if (!store.TryFindReadable(position, durableOnly, out var path, out var start, out var limit))
                return 0;
            if (limit > position)
            {
                if (_filePath != path)
                {
                    _file?.Dispose();
                    _file = SegmentFile.Open(path, write: false);
                    _filePath = path;
                }
                var want = (int)Math.Min(buffer.Length, limit - position);
                var read = _file!.ReadAt(buffer[..want], position - start);
                if (read == 0)
                    throw new IOException($"{path} ends before store position {position}, which the store says it holds");
                position += read;
                return read;
            }
            if (!follow || !store.WaitForData(position, durableOnly, cancellation))
                return 0;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _file?.Dispose();
        base.Dispose(disposing);
    }
}
