using System.Buffers;
using Vellum.Journal.Format;

namespace Vellum.Replication;

/// <summary>
/// Cuts a byte stream into runs of whole records: each read hands out every complete record
/// received so far, and keeps a record's first bytes until the rest arrives. Only headers
/// are checked here (so a record's size is trusted no further than the format's 16 MiB
/// limit before its bytes are awaited); the store checks everything else.
/// </summary>
internal sealed class RecordRunReader : IDisposable
{
    private const int InitialSize = 4 << 20;

    /// <summary>Free space below which a read first moves what is left to the buffer's start.</summary>
    private const int MinimumReadSpace = 256 << 10;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;

    /// <summary>
    /// The next run of whole records; empty once the peer closed the stream between records.
    /// The run stays valid until the next call.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">A record header is invalid, or the stream ended inside a record.</exception>
    public async ValueTask<ReadOnlyMemory<byte>> ReadRunAsync(Stream stream, CancellationToken cancellation)
    {
        while (true)
        {
            var (complete, needed) = CompleteRecords();
            if (complete > 0)
            {
                var run = _buffer.AsMemory(_start, complete);
                _start += complete;
                return run;
            }
            // Moving a partial record to the front costs a copy of it: only when the space
            // after it is too small, not after every run.
            if (_buffer.Length - _start < Math.Max(needed, MinimumReadSpace))
                Compact();
            if (needed > _buffer.Length)
                Grow(needed);
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellation).ConfigureAwait(false);
            if (read == 0)
            {
                return _end == _start ? ReadOnlyMemory<byte>.Empty
                    : throw new ReplicationRefusedException($"the connection ended inside a record ({_end - _start} bytes of it received); nothing of it was stored");
            }
            _end += read;
        }
    }

    /// <summary>Bytes of whole records from the first unread byte, and the buffer size the next record needs there.</summary>
    private (int Complete, int Needed) CompleteRecords()
    {
        var offset = _start;
        while (true)
        {
            var frame = RecordFrame.Read(_buffer.AsSpan(offset, _end - offset), checkBody: false);
            switch (frame.Status)
            {
                case FrameStatus.Whole:
                    offset += frame.Length;
                    break;
                case FrameStatus.Incomplete:
                    return (offset - _start, offset == _start ? frame.Length : 0);
                default:
                    if (offset > _start)
                        return (offset - _start, 0);
                    var problem = frame.Problem!.Value;
                    throw new ReplicationRefusedException($"a record header expected {problem.Expected}, found {problem.Found}");
            }
        }
    }

    private void Compact()
    {
        if (_start == 0)
            return;
        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        _end -= _start;
        _start = 0;
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _end).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
