using System.Buffers;
using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>Sealing a full segment with its checkpoint and starting the next one.</summary>
public sealed partial class SegmentStore
{
    /// <summary>The segment to append <paramref name="length"/> bytes to, sealing and creating as needed.</summary>
    private Segment ActiveSegmentFor(int length)
    {
        var last = _segments[^1];
        if (!last.Sealed && last.Length > last.SyncPointLength && last.Length + length > _options.SegmentSize)
            Seal(last);
        return last.Sealed ? CreateNext() : last;
    }

    private void Seal(Segment segment)
    {
        var checkpoint = new SegmentCheckpoint(
            segment.Start,
            segment.Length,
            [.. segment.Index],
            OpenTransactionsNow());
        var payload = ArrayPool<byte>.Shared.Rent(checkpoint.EncodedSize);
        var record = ArrayPool<byte>.Shared.Rent(RecordCodec.AlignedSizeFor(checkpoint.EncodedSize));
        try
        {
            var payloadLength = checkpoint.Format(payload);
            var size = RecordCodec.WriteControl(record, StreamId.Checkpoint, _lastBegun, payload.AsSpan(0, payloadLength));
            WriteOrUndo(segment, record.AsSpan(0, size), segment.Length);
            segment.Length += size;
            segment.Sealed = true;
            _written = segment.End;
            _unsynced.Add(segment);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    private OpenTransaction[] OpenTransactionsNow() =>
        [.. _open.Select(pair => new OpenTransaction(pair.Value, pair.Key)).OrderBy(open => open.TransactionId)];

    /// <summary>Creates the segment after the last one, starting with a sync point; on failure no file is left.</summary>
    private Segment CreateNext()
    {
        var start = _segments[^1].End;
        var path = Path.Combine(Directory, SegmentName.For(start));
        var segment = new Segment(start, path)
        {
            BegunBefore = _lastBegun,
            OpenAtStart = OpenTransactionsNow(),
        };
        var syncPoint = RecordCodec.SyncPoint(Header with { WallClock = JournalTimestamp.Now() }, _lastBegun);
        var file = SegmentFile.Open(path, write: true, create: true);
        try
        {
            file.WriteAt(syncPoint, 0);
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
        segment.Writer = file;
        segment.Length = syncPoint.Length;
        segment.SyncPointLength = syncPoint.Length;
        _segments.Add(segment);
        _written = segment.End;
        _directoryDirty = true;
        return segment;
    }
}
