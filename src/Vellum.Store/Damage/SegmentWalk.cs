using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Store;

/// <summary>
/// Reads a segment record by record with every record's checks (framing, padding, trailer,
/// CRC32C), through a window of a few MiB. A record that fails starts a damaged stretch, which
/// ends at the next 16-byte aligned offset where a valid record starts. Sealed, the file must
/// be records to its last byte; the newest segment may end with zeros (its runway) or a torn
/// record (an append being written, or cut short by a crash: the store's recovery cuts it),
/// neither of which is damage.
/// </summary>
internal sealed class SegmentWalk
{
    private const int WindowSize = 4 << 20;

    private readonly ISegmentBytes _bytes;
    private readonly ScrubPace? _pace;
    private byte[] _window = new byte[WindowSize];
    private long _windowStart;
    private int _windowLength;

    private SegmentWalk(ISegmentBytes bytes, ScrubPace? pace)
    {
        _bytes = bytes;
        _pace = pace;
    }

    public static SegmentVerification Run(ISegmentBytes bytes, string file, long segmentStart, bool isSealed, ScrubPace? pace = null) =>
        new SegmentWalk(bytes, pace).Walk(file, segmentStart, isSealed);

    private SegmentVerification Walk(string file, long segmentStart, bool isSealed)
    {
        var end = _bytes.Length;
        var damage = new List<SegmentDamage>();
        var open = new Dictionary<ushort, (ulong Id, long BeginAt)>();
        ulong lastBegun = 0;
        var at = 0L;
        while (at < end)
        {
            if (TryRecord(at, out var header, out var length, out var problem))
            {
                Track(header, at, open, ref lastBegun);
                at += length;
                continue;
            }
            if (!isSealed && IsZeros(at, end))
                break;
            var next = FindNextRecord(at + JournalFormat.RecordAlignment, end);
            if (next is null && !isSealed)
                break;
            var stop = next ?? end;
            var ids = new SortedSet<ulong>(open.Values.Select(o => o.Id));
            if (RecordCheck.Header(header) is null && StreamId.IsTransaction(header.Id) && header.TransactionId > 0)
                ids.Add(header.TransactionId);
            var paths = open.Values.OrderBy(o => o.Id).SelectMany(o => PathsOf(o.BeginAt)).ToList();
            if (RecordCheck.Header(header) is null && header.IsBegin && StreamId.IsTransaction(header.Id) && length > 0)
                paths.AddRange(UnverifiedPathsOf(at, header, length).Select(path => $"{path} (unverified: read from the damaged record)"));
            ulong? after = null;
            if (next is { } n && TryRecord(n, out var nextHeader, out _, out _))
                after = nextHeader.TransactionId;
            damage.Add(new SegmentDamage(file, segmentStart, at, stop - at, problem, [.. ids], lastBegun, after) { Paths = paths });
            // What was open before the damage may have ended inside it: only what begins after it is known again.
            open.Clear();
            at = stop;
        }
        return new SegmentVerification(file, segmentStart, Math.Min(at, end), damage);
    }

    private static void Track(RecordHeader header, long at, Dictionary<ushort, (ulong Id, long BeginAt)> open, ref ulong lastBegun)
    {
        if (!StreamId.IsTransaction(header.Id))
            return;
        if (header.IsBegin)
        {
            lastBegun = header.TransactionId;
            open[header.Id] = (header.TransactionId, at);
        }
        if (header.IsEnd)
            open.Remove(header.Id);
    }

    /// <summary>The paths the operation in the (verified) BEGIN record at <paramref name="at"/> names.</summary>
    private IReadOnlyList<string> PathsOf(long at)
    {
        if (!TryRecord(at, out var header, out var length, out _))
            return [];
        var record = Get(at, length);
        return OperationPaths.Read(record.Slice(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize));
    }

    /// <summary>The paths a damaged BEGIN record seems to name, when the file holds the whole record its header declares.</summary>
    private IReadOnlyList<string> UnverifiedPathsOf(long at, RecordHeader header, int length)
    {
        var record = Get(at, length);
        return record.Length < length ? [] : OperationPaths.Read(record.Slice(JournalFormat.HeaderSize, (int)header.RecordSize - JournalFormat.MinRecordSize));
    }

    private bool TryRecord(long at, out RecordHeader header, out int length, out string problem)
    {
        var head = Get(at, JournalFormat.HeaderSize);
        if (head.Length < JournalFormat.HeaderSize)
        {
            (header, length, problem) = (default, 0, $"the file ends {head.Length} bytes into a record header");
            return false;
        }
        header = RecordHeader.Parse(head);
        if (RecordCheck.Header(header) is { } headerProblem)
        {
            (length, problem) = (0, $"expected {headerProblem.Expected}, found {headerProblem.Found}");
            return false;
        }
        length = JournalFormat.AlignedRecordSize((int)header.RecordSize);
        var record = Get(at, length);
        if (record.Length < length)
        {
            problem = $"the file ends inside a record of {length} bytes";
            return false;
        }
        var frame = RecordFrame.Read(record, at);
        problem = frame.Problem is { } p ? $"expected {p.Expected}, found {p.Found}" : "";
        return frame.Status == FrameStatus.Whole;
    }

    private long? FindNextRecord(long from, long end)
    {
        for (var at = from; at + JournalFormat.HeaderSize <= end; at += JournalFormat.RecordAlignment)
        {
            var head = Get(at, JournalFormat.HeaderSize);
            if (RecordCheck.Header(RecordHeader.Parse(head)) is null && TryRecord(at, out _, out _, out _))
                return at;
        }
        return null;
    }

    private bool IsZeros(long at, long end)
    {
        while (at < end)
        {
            var piece = Get(at, (int)Math.Min(WindowSize, end - at));
            if (piece.IsEmpty)
                return true;
            if (piece.IndexOfAnyExcept((byte)0) >= 0)
                return false;
            at += piece.Length;
        }
        return true;
    }

    /// <summary>Up to <paramref name="length"/> bytes from <paramref name="at"/>; fewer only at the end.</summary>
    private ReadOnlySpan<byte> Get(long at, int length)
    {
        if (at < _windowStart || at + length > _windowStart + _windowLength)
        {
            if (length > _window.Length)
                _window = new byte[length];
            _windowStart = at;
            _windowLength = _bytes.ReadAt(_window.AsSpan(0, (int)Math.Min(_window.Length, Math.Max(0, _bytes.Length - at))), at);
            _pace?.Took(_windowLength);
        }
        var offset = (int)(at - _windowStart);
        return _window.AsSpan(offset, Math.Min(length, _windowLength - offset));
    }
}
