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
        if (_options.IsReplica)
            return last.Sealed ? throw ReplicaRefusal($"expected a sync point starting the next segment after the checkpoint that sealed {last.FileName}, found another record") : last;
        if (!last.Sealed && last.Length > last.SyncPointLength && last.Length + length > _options.SegmentSize)
            Seal(last);
        return last.Sealed ? CreateNext() : last;
    }

    private void Seal(Segment segment)
    {
        var record = ArrayPool<byte>.Shared.Rent(CheckpointRecordSize(segment));
        try
        {
            var size = FormatCheckpoint(segment, record);
            WriteSealing(segment, record.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    /// <summary>An upper bound of the bytes of the checkpoint record that would seal <paramref name="segment"/> now.</summary>
    private int CheckpointRecordSize(Segment segment) =>
        RecordCodec.AlignedSizeFor(new SegmentCheckpoint(segment.Start, segment.Length, [.. segment.Index], OpenTransactionsNow()).EncodedSize);

    /// <summary>Writes the checkpoint record that seals <paramref name="segment"/> now into <paramref name="record"/>; returns its size.</summary>
    private int FormatCheckpoint(Segment segment, Span<byte> record)
    {
        var checkpoint = new SegmentCheckpoint(segment.Start, segment.Length, [.. segment.Index], OpenTransactionsNow());
        var payload = ArrayPool<byte>.Shared.Rent(checkpoint.EncodedSize);
        try
        {
            var payloadLength = checkpoint.Format(payload);
            return RecordCodec.WriteControl(record, StreamId.Checkpoint, _lastBegun, payload.AsSpan(0, payloadLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private void WriteSealing(Segment segment, ReadOnlySpan<byte> checkpointRecord)
    {
        WriteOrUndo(segment, checkpointRecord, segment.Length);
        segment.Length += checkpointRecord.Length;
        segment.Sealed = true;
        try
        {
            TrimRunway(segment);
        }
        catch (StoreIOException error)
        {
            // The checkpoint is no longer the file's last record; only recovery, which cuts
            // the zeros, may go on from here.
            _commit.Fail(error);
            throw;
        }
        _commit.Appended(segment.End);
        _unsynced.Add(segment);
    }

    private OpenTransaction[] OpenTransactionsNow() =>
        [.. _open.Select(pair => new OpenTransaction(pair.Value, pair.Key)).OrderBy(open => open.TransactionId)];

    /// <summary>Creates the segment after the last one, starting with a sync point; on failure no file is left.</summary>
    private Segment CreateNext() =>
        CreateNext(RecordCodec.SyncPoint(Header with { WallClock = JournalTimestamp.Now() }, _lastBegun));

    /// <summary>Creates the segment after the last one with <paramref name="syncPoint"/> (a whole record) as its first bytes.</summary>
    private Segment CreateNext(ReadOnlySpan<byte> syncPoint)
    {
        var start = _segments[^1].End;
        var path = Path.Combine(Directory, SegmentName.For(start));
        var segment = new Segment(start, path)
        {
            BegunBefore = _lastBegun,
            OpenAtStart = OpenTransactionsNow(),
        };
        var file = SegmentFile.Create(_directoryHandle!, path);
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
        _commit.Appended(segment.End);
        _directoryDirty = true;
        return segment;
    }
}
