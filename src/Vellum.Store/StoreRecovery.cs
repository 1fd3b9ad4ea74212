using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Store;

/// <summary>
/// Opening a store: the sealed segments are taken from their checkpoints (read from each
/// file's end, checked, and matched against the file names, so a missing or truncated
/// segment shows), the newest segment, after the newest checkpoint, is scanned with every
/// record's CRC checked. Read-write, a torn tail is cut and transactions left open are ended
/// with ABORTED records; any other damage refuses the open. Read-only, nothing is changed
/// and the first damage ends what is served.
/// </summary>
internal static class StoreRecovery
{
    /// <param name="directoryHandle">The store directory open for writing into (a first segment is created relative to it); null to open read-only.</param>
    /// <param name="syncTail">
    /// Whether to make the tail durable (a killed writer's bytes may be only in the page
    /// cache); false for a store reading back a cut it made itself, whose next sync covers it.
    /// </param>
    public static StoreState Recover(string directory, StoreOptions options, SafeFileHandle? directoryHandle, bool syncTail = true)
    {
        var readOnly = directoryHandle is null;
        var files = StoreFiles.List(directory);
        if (files.Count == 0)
        {
            if (readOnly)
                throw new FileNotFoundException($"no store at {directory}: it holds no segment files (*{SegmentName.Extension})");
            return Create(directory, options, directoryHandle!);
        }
        var header = ReadSyncPoint(files[0].Path, out var begunBefore);
        if (options.ReplicaOf is { } replicated && files[0].Start == 0 && !ReadFirstRecord(files[0].Path, out _).AsSpan().SequenceEqual(replicated))
            throw new InvalidOperationException($"the store at {directory} is not a replica of the store offered: their first records (sync points) differ");
        if (options.Header is { } expected && expected.JournalId != header.JournalId)
            throw new InvalidOperationException($"the store at {directory} holds journal {header.JournalId}, not {expected.JournalId}");

        var segments = new List<Segment>();
        IReadOnlyList<OpenTransaction> open = [];
        for (var i = 0; i < files.Count - 1; i++)
        {
            var (start, path) = files[i];
            var damage = ReadSealed(path, start, begunBefore, open, out var segment, out var lastBegun, out var openAfter);
            damage ??= files[i + 1].Start == segment!.End ? null
                : Damaged($"segment data missing: {Path.GetFileName(path)} ends at store position {segment.End} but the next segment file is {Path.GetFileName(files[i + 1].Path)}",
                    files[i + 1].Path, 0, segment.End);
            if (damage is not null)
            {
                if (!readOnly)
                    throw damage;
                if (segment is not null)
                    segments.Add(segment);
                return new StoreState(header, segments, [], lastBegun, RecoveryReport.Clean, damage);
            }
            segments.Add(segment!);
            begunBefore = lastBegun;
            open = openAfter;
        }
        return RecoverTail(directory, files[^1], header, segments, begunBefore, open, options, readOnly, syncTail);
    }


    private static StoreState Create(string directory, StoreOptions options, SafeFileHandle directoryHandle)
    {
        var header = options.ReplicaOf is { } replicated ? ReplicatedHeader(replicated)
            : options.Header ?? throw new InvalidOperationException($"no store at {directory}, and no journal header given to create one");
        var path = Path.Combine(directory, SegmentName.For(0));
        var syncPoint = options.ReplicaOf ?? RecordCodec.SyncPoint(header, header.FirstTransactionId == 0 ? 0 : header.FirstTransactionId - 1);
        using (var file = SegmentFile.Create(directoryHandle, path))
        {
            file.WriteAt(syncPoint, 0);
            file.DataSync();
        }
        SegmentFile.SyncDirectory(directory);
        var segment = new Segment(0, path) { Length = syncPoint.Length, SyncPointLength = syncPoint.Length, Writer = SegmentFile.Open(path, write: true) };
        var begunBefore = BinaryPrimitives.ReadUInt64LittleEndian(syncPoint.AsSpan(8));
        return new StoreState(header, [segment], [], begunBefore, RecoveryReport.Clean, null);
    }

    /// <summary>The journal header in the sync point a replica starts with, checked as a whole record.</summary>
    private static JournalHeader ReplicatedHeader(byte[] syncPoint)
    {
        var header = syncPoint.Length >= JournalFormat.HeaderSize ? RecordHeader.Parse(syncPoint) : default;
        var problem = syncPoint.Length < JournalFormat.MinRecordSize ? new RecordProblem("a whole sync point record", $"{syncPoint.Length} bytes")
            : RecordCheck.Header(header) ?? (JournalFormat.AlignedRecordSize((int)header.RecordSize) != syncPoint.Length
                ? new RecordProblem("exactly one record", $"{syncPoint.Length} bytes for a record of size {header.RecordSize}")
                : RecordCheck.Body(syncPoint, header, 0));
        if (problem is null && header.Id != StreamId.SyncPoint)
            problem = new RecordProblem("a sync point (stream 0x0000)", $"stream 0x{header.Id:X4}");
        JournalHeader? journal = null;
        string? parseProblem = null;
        if (problem is null && !JournalHeader.TryParse(syncPoint.AsSpan(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize), out journal, out parseProblem))
            problem = new RecordProblem("a readable journal header", parseProblem!);
        return problem is { } p ? throw new ArgumentException($"the store to replicate does not start with a valid sync point: expected {p.Expected}, found {p.Found}") : journal!;
    }

    /// <summary>Checks a sealed segment by its checkpoint, the last record of the file.</summary>
    private static StoreDamagedException? ReadSealed(string path, long start, ulong begunBefore, IReadOnlyList<OpenTransaction> openBefore,
        out Segment? segment, out ulong lastBegun, out IReadOnlyList<OpenTransaction> openAfter)
    {
        segment = null;
        lastBegun = begunBefore;
        openAfter = openBefore;
        using var file = SegmentFile.Open(path, write: false);
        var length = file.Length;
        var name = Path.GetFileName(path);
        if (length < JournalFormat.HeaderSize + JournalFormat.TrailerSize)
            return Damaged($"{name} is sealed (a later segment exists) but holds only {length} bytes, no checkpoint", path, 0, start);
        Span<byte> trailer = stackalloc byte[JournalFormat.TrailerSize];
        file.ReadAt(trailer, length - JournalFormat.TrailerSize);
        var recordSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[8..]);
        var aligned = recordSize is >= JournalFormat.MinRecordSize and <= JournalFormat.MaxRecordSize ? JournalFormat.AlignedRecordSize((int)recordSize) : -1;
        if (aligned < 0 || aligned > length)
            return Damaged($"{name} is sealed (a later segment exists) but does not end with a checkpoint record (trailer size field {recordSize})", path, length - JournalFormat.TrailerSize, start + length);
        var at = length - aligned;
        var record = new byte[aligned];
        file.ReadAt(record, at);
        var header = RecordHeader.Parse(record);
        var problem = RecordCheck.Header(header) ?? RecordCheck.Body(record, header, at);
        if (problem is null && header.Id != StreamId.Checkpoint)
            problem = new RecordProblem("a checkpoint record (stream 0x0006) last", $"stream 0x{header.Id:X4}");
        SegmentCheckpoint? checkpoint = null;
        string? parseProblem = null;
        if (problem is null && !SegmentCheckpoint.TryParse(record.AsSpan(JournalFormat.HeaderSize, (int)recordSize - JournalFormat.MinRecordSize), out checkpoint, out parseProblem))
            problem = new RecordProblem("a checkpoint this reader can read", parseProblem!);
        if (problem is null && (checkpoint!.SegmentStart != start || checkpoint.Length != at))
            problem = new RecordProblem($"a checkpoint for a segment at store position {start} of {at} bytes", $"one for position {checkpoint.SegmentStart} of {checkpoint.Length} bytes");
        if (problem is { } p)
            return Damaged($"{name}: the checkpoint ending this sealed segment is damaged: expected {p.Expected}, found {p.Found}", path, at, start + at);
        segment = new Segment(start, path)
        {
            Length = length,
            Sealed = true,
            Index = [.. checkpoint!.Index],
            BegunBefore = begunBefore,
            OpenAtStart = openBefore,
        };
        lastBegun = header.TransactionId;
        openAfter = checkpoint.Open;
        return null;
    }

    private static StoreState RecoverTail(string directory, (long Start, string Path) tail, JournalHeader header, List<Segment> segments,
        ulong begunBefore, IReadOnlyList<OpenTransaction> openBefore, StoreOptions options, bool readOnly, bool syncTail)
    {
        var (start, path) = tail;
        var name = Path.GetFileName(path);
        var segment = new Segment(start, path) { BegunBefore = begunBefore, OpenAtStart = openBefore };
        var scan = TailScan.Run(path, new JournalResume(header, begunBefore, openBefore), live: readOnly);
        segment.Index.AddRange(BeginIndex(path, scan.DataEnd, options.IndexSpacing));
        segment.SyncPointLength = scan.SyncPointLength;
        segment.Sealed = scan.EndsWithCheckpoint;
        var report = RecoveryReport.Clean;
        StoreDamagedException? damage = null;
        if (scan.Error is { Kind: JournalErrorKind.Corrupt } corrupt)
        {
            damage = Damaged($"{name}: damaged record at byte {corrupt.Offset} with valid records after it: expected {corrupt.Expected}, found {corrupt.Found}; not cut away, decide what to keep",
                path, corrupt.Offset, start + corrupt.Offset);
            if (!readOnly)
                throw damage;
        }
        // Read-only, corruption stays in reach so that readers stop at it and report it; a torn
        // tail does not: read-only is how a live store is read (a mirror following it), and
        // there a torn tail is an append still being written. (Read-write, a torn tail is cut below.)
        segment.Length = scan.Error is { Kind: JournalErrorKind.Corrupt } ? scan.FileLength : scan.DataEnd;
        segments.Add(segment);
        var open = scan.Open.ToDictionary(t => t.StreamId, t => t.TransactionId);
        var state = new StoreState(header, segments, open, scan.LastBegun, report, damage);
        if (readOnly)
            return state;

        if (!segment.Sealed)
            segment.Writer = SegmentFile.Open(path, write: true);
        if (scan.ZeroTailAt is { } zeros)
            CutZeroTail(segment, zeros);
        if (scan.Error is { Kind: JournalErrorKind.TornTail } torn)
        {
            var tornEnd = TornRecordEnd(segment.Writer!, torn.Offset, scan.FileLength);
            report = new RecoveryReport(path, torn.Offset, tornEnd - torn.Offset, scan.TornTransactions, [], $"expected {torn.Expected}, found {torn.Found}")
            {
                ZerosAfterCut = scan.FileLength - tornEnd,
            };
            segment.Writer!.Truncate(torn.Offset);
            segment.Length = torn.Offset;
            if (torn.Offset == 0 && options.IsReplica && start > 0)
            {
                DropEmptyReplicaTail(directory, segments);
                return state with { Recovery = report };
            }
            if (torn.Offset == 0)
                RewriteSyncPoint(segment, header, begunBefore, options.ReplicaOf);
        }
        // A killed writer's last bytes may still be only in the page cache; the store opens
        // claiming everything it holds is durable, so make it so (a segment sealed just
        // before the kill may not have been synced either).
        if (syncTail)
            SyncTail(segments, segment);
        if (open.Count > 0)
            report = report with { UnfinishedTransactions = scan.Open, UnfinishedEnded = options.AbortUnfinished && !options.IsReplica };
        return state with { Recovery = report };
    }

    private static void SyncTail(List<Segment> segments, Segment segment)
    {
        segment.Writer?.DataSync();
        if (segments.Count > 1)
        {
            using var previous = SegmentFile.Open(segments[^2].Path, write: true);
            previous.DataSync();
        }
        if (segment.Sealed)
        {
            using var sealedTail = SegmentFile.Open(segment.Path, write: true);
            sealedTail.DataSync();
        }
    }

    /// <summary>
    /// Where the torn record ends: as far as its header says, when it has a whole one. A record
    /// torn inside a runway is followed by the runway's zeros, which were never data.
    /// </summary>
    private static long TornRecordEnd(SegmentFile file, long offset, long fileLength)
    {
        Span<byte> bytes = stackalloc byte[JournalFormat.HeaderSize];
        if (fileLength - offset < bytes.Length || file.ReadAt(bytes, offset) < bytes.Length)
            return fileLength;
        var header = RecordHeader.Parse(bytes);
        return RecordCheck.Header(header) is null
            ? Math.Min(fileLength, offset + JournalFormat.AlignedRecordSize((int)header.RecordSize))
            : fileLength;
    }

    /// <summary>
    /// The zeros a writer wrote ahead of its records (its runway) are cut, as sealing and
    /// closing cut them: a segment that stops being the newest must end with its last record.
    /// </summary>
    private static void CutZeroTail(Segment segment, long length)
    {
        if (segment.Writer is { } writer)
        {
            writer.Truncate(length);
            return;
        }
        using var sealedFile = SegmentFile.Open(segment.Path, write: true);
        sealedFile.Truncate(length);
    }

    /// <summary>
    /// The index of the newest segment's first <paramref name="length"/> bytes (records the
    /// scan checked) from its BEGIN records in stream order, as appending builds it. The scan's
    /// own index follows transactions where they end, so it misses one begun before another
    /// and ended after it, or still open; the checkpoint that later seals the segment would
    /// then depend on whether the store was reopened while writing it, and a replica, which
    /// must compute exactly its source's checkpoints, would refuse the source's.
    /// </summary>
    private static List<CheckpointEntry> BeginIndex(string path, long length, int spacing)
    {
        var index = new List<CheckpointEntry>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        Span<byte> head = stackalloc byte[JournalFormat.HeaderSize];
        var at = 0L;
        while (at < length)
        {
            stream.Position = at;
            stream.ReadExactly(head);
            var header = RecordHeader.Parse(head);
            if (header.IsBegin && StreamId.IsTransaction(header.Id))
                SegmentIndex.Add(index, header.TransactionId, at, spacing);
            at += JournalFormat.AlignedRecordSize((int)header.RecordSize);
        }
        return index;
    }

    /// <summary>
    /// A newest segment cut to nothing (it was being created) gets its sync point back. A
    /// replica cannot make up the replicated store's bytes: its first segment gets the sync
    /// point it was created from, and a later one is ended (see <see cref="DropEmptyReplicaTail"/>).
    /// </summary>
    private static void RewriteSyncPoint(Segment segment, JournalHeader header, ulong begunBefore, byte[]? replicaOf)
    {
        var syncPoint = replicaOf ?? RecordCodec.SyncPoint(header with { WallClock = JournalTimestamp.Now() }, begunBefore);
        segment.Writer!.WriteAt(syncPoint, 0);
        segment.Length = syncPoint.Length;
        segment.SyncPointLength = syncPoint.Length;
    }

    /// <summary>
    /// A replica's newest segment whose sync point was torn: the file is removed, so the
    /// sealed segment before it is the newest again and the sync point is received anew.
    /// </summary>
    private static void DropEmptyReplicaTail(string directory, List<Segment> segments)
    {
        var tail = segments[^1];
        tail.Writer?.Dispose();
        tail.Writer = null;
        File.Delete(tail.Path);
        segments.RemoveAt(segments.Count - 1);
        SegmentFile.SyncDirectory(directory);
        using var previous = SegmentFile.Open(segments[^1].Path, write: true);
        previous.DataSync();
    }

    /// <summary>The journal header of a segment's sync point, and its transaction id (the last transaction begun before the segment).</summary>
    private static JournalHeader ReadSyncPoint(string path, out ulong begunBefore)
    {
        var record = ReadFirstRecord(path, out var header);
        if (header.Id != StreamId.SyncPoint || !JournalHeader.TryParse(record.AsSpan(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize), out var journal, out _))
            throw Damaged($"{Path.GetFileName(path)} does not start with a readable sync point", path, 0, 0);
        begunBefore = header.TransactionId;
        return journal!;
    }

    internal static byte[] ReadFirstRecord(string path, out RecordHeader header)
    {
        using var file = SegmentFile.Open(path, write: false);
        var head = new byte[JournalFormat.HeaderSize];
        if (file.ReadAt(head, 0) < head.Length)
            throw Damaged($"{Path.GetFileName(path)} is too short to hold a sync point", path, 0, 0);
        header = RecordHeader.Parse(head);
        if (RecordCheck.Header(header) is { } headerProblem)
            throw Damaged($"{Path.GetFileName(path)}: the first record is damaged: expected {headerProblem.Expected}, found {headerProblem.Found}", path, 0, 0);
        var record = new byte[JournalFormat.AlignedRecordSize((int)header.RecordSize)];
        if (file.ReadAt(record, 0) < record.Length || RecordCheck.Body(record, header, 0) is not null)
            throw Damaged($"{Path.GetFileName(path)}: the first record (the sync point) is damaged", path, 0, 0);
        return record;
    }

    private static StoreDamagedException Damaged(string message, string file, long offset, long position) =>
        new(message, file, offset, position);
}
