using System.Buffers;
using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// A replica store (<see cref="StoreOptions.ReplicaOf"/>) holds another store's bytes at the
/// same positions: what a replication target appends is the source store's stream as it is,
/// its sync points and checkpoints included. Every record is checked as for any append, and
/// the store's own two kinds more strictly: a checkpoint must be exactly the one this store
/// would write there, a sync point may only follow one and must repeat the journal header.
/// </summary>
public sealed partial class SegmentStore
{
    /// <summary>
    /// Appends a run of the replicated store's records, sealing and starting segments where
    /// its checkpoints and sync points say. Checking stops at the first bad record: what came
    /// before it in the run is kept, and the exception names the store position refused.
    /// </summary>
    /// <exception cref="RecordsRejectedException">A record breaks the format, the transaction rules or the segment layout.</exception>
    public long AppendReplicated(ReadOnlySpan<byte> records)
    {
        long end;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (!_options.IsReplica)
                throw new InvalidOperationException($"the store at {Directory} is not a replica: it takes records through Append");
            try
            {
                var offset = 0;
                while (offset < records.Length)
                {
                    var runEnd = EndOfPlainRun(records, offset);
                    AppendPlainRun(records[offset..runEnd]);
                    offset = runEnd;
                    if (offset < records.Length)
                        offset += AppendStoreRecord(records[offset..]);
                }
            }
            catch (RecordsRejectedException refused)
            {
                // The records before the refused one are written, so the written position is its position.
                throw new RecordsRejectedException($"replicated records refused at store position {WrittenPosition}: {refused.Problem}", refused.Offset, refused.Problem);
            }
            end = WrittenPosition;
        }
        SignalAppended();
        return end;
    }

    /// <summary>Whether this is a replica of the store whose first record is <paramref name="record"/>.</summary>
    public bool HasFirstRecord(ReadOnlySpan<byte> record) => _options.ReplicaOf is { } first && first.AsSpan().SequenceEqual(record);

    /// <summary>
    /// Appends a run of records without sync points or checkpoints; when one is refused,
    /// the records before it are appended first, so the exception's record is the first not
    /// written and the written position is where it would have gone.
    /// </summary>
    private void AppendPlainRun(ReadOnlySpan<byte> run)
    {
        try
        {
            AppendRunLocked(run);
        }
        catch (RecordsRejectedException refused) when (refused.Offset > 0)
        {
            AppendRunLocked(run[..refused.Offset]);
            throw;
        }
    }

    private static RecordsRejectedException ReplicaRefusal(string expectedFound) => new(expectedFound, 0, expectedFound);

    /// <summary>Where the records from <paramref name="offset"/> reach a sync point or checkpoint, or the end of the run.</summary>
    private static int EndOfPlainRun(ReadOnlySpan<byte> records, int offset)
    {
        while (offset < records.Length)
        {
            if (records.Length - offset < JournalFormat.HeaderSize)
                return records.Length;
            var frame = RecordFrame.Read(records[offset..], checkBody: false);
            if (frame.Header.Id is StreamId.SyncPoint or StreamId.Checkpoint)
                return offset;
            // A bad header ends the scan; the run's own check refuses it at its place.
            if (frame.Status == FrameStatus.Damaged)
                return records.Length;
            offset += frame.Length;
        }
        return records.Length;
    }

    /// <summary>Appends the checkpoint or sync point at the start of <paramref name="records"/>; returns its length.</summary>
    private int AppendStoreRecord(ReadOnlySpan<byte> records)
    {
        var frame = RecordFrame.Read(records);
        if (frame.Problem is { } problem)
            throw ReplicaRefusal($"expected {problem.Expected}, found {problem.Found}");
        if (frame.Status == FrameStatus.Incomplete)
            throw ReplicaRefusal($"expected {frame.Length} bytes of record, found {records.Length} bytes");
        if (frame.Header.Id == StreamId.Checkpoint)
            SealReplicated(frame.Bytes);
        else
            StartReplicatedSegment(frame.Bytes, frame.Header);
        return frame.Length;
    }

    private void SealReplicated(ReadOnlySpan<byte> record)
    {
        var segment = _segments[^1];
        if (segment.Sealed)
            throw ReplicaRefusal($"expected a sync point after the checkpoint that sealed {segment.FileName}, found a second checkpoint");
        var expected = ArrayPool<byte>.Shared.Rent(CheckpointRecordSize(segment));
        try
        {
            var size = FormatCheckpoint(segment, expected);
            if (!record.SequenceEqual(expected.AsSpan(0, size)))
                throw ReplicaRefusal($"expected a checkpoint sealing {segment.FileName} at its {segment.Length} bytes with the index and open transactions its records give, found a different one");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(expected);
        }
        WriteSealing(segment, record);
    }

    private void StartReplicatedSegment(ReadOnlySpan<byte> record, RecordHeader header)
    {
        var last = _segments[^1];
        if (!last.Sealed)
            throw ReplicaRefusal($"expected a sync point only after a checkpoint, found one inside {last.FileName} (not sealed)");
        if (header.TransactionId != _lastBegun)
            throw ReplicaRefusal($"expected a sync point carrying transaction id {_lastBegun} (the last BEGIN), found {header.TransactionId}");
        var payload = record[JournalFormat.HeaderSize..(int)(header.RecordSize - JournalFormat.TrailerSize)];
        if (!JournalHeader.TryParse(payload, out var journal, out var problem))
            throw ReplicaRefusal($"expected a readable journal header in the sync point, found {problem}");
        if (journal! with { WallClock = Header.WallClock } != Header)
            throw ReplicaRefusal($"expected a sync point repeating journal {Header.JournalId}'s header, found journal {journal.JournalId} from {journal.SourceHost}");
        CreateNext(record);
    }
}
