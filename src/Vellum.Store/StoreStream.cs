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
            if (TryReadHeld(buffer, out var read))
                return read;
            if (!follow || !store.WaitForData(position, durableOnly, cancellation))
                return 0;
        }
    }

    /// <summary>
    /// Like <see cref="Read(Span{byte})"/>, but a follower waits for the next append without
    /// holding a thread; either the stream's cancellation or <paramref name="cancellationToken"/>
    /// ends the wait (and the stream, with 0).
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return 0;
        while (true)
        {
            // The segment files are read with pread, which the page cache answers: only the wait is worth awaiting.
            if (TryReadHeld(buffer.Span, out var read))
                return read;
            if (!follow || !await WaitForDataAsync(cancellationToken).ConfigureAwait(false))
                return 0;
        }
    }

    private async ValueTask<bool> WaitForDataAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled || cancellationToken == cancellation)
            return await store.WaitForDataAsync(position, durableOnly, cancellation).ConfigureAwait(false);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellation, cancellationToken);
        return await store.WaitForDataAsync(position, durableOnly, either.Token).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads what the store holds at the position now; false when it holds nothing more yet (<paramref name="read"/> is then 0).</summary>
    private bool TryReadHeld(Span<byte> buffer, out int read)
    {
        read = 0;
        if (!store.TryFindReadable(position, durableOnly, out var path, out var start, out var limit))
            return true;
        if (limit <= position)
            return false;
        if (_filePath != path)
        {
            _file?.Dispose();
            _file = SegmentFile.Open(path, write: false);
            _filePath = path;
        }
        var want = (int)Math.Min(buffer.Length, limit - position);
        read = _file!.ReadAt(buffer[..want], position - start);
        if (read == 0)
            throw new IOException($"{path} ends before store position {position}, which the store says it holds");
        position += read;
        return true;
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
