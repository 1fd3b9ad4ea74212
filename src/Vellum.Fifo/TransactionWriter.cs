using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Fifo;

/// <summary>
/// Writes one transaction at a time straight into the FIFO ring: sub-records go into an
/// open reservation, which grows in place while nothing was reserved after it and is
/// otherwise committed and continued in a new record. So a transaction of any size flows
/// through a small FIFO, and a nested record whose header has already been committed is
/// closed by LAST on its final child, its size left unknown (0).
/// One writer per thread; it owns a stream id for its lifetime and allocates nothing per
/// transaction.
/// </summary>
public sealed class TransactionWriter : ISubRecordWriter, IDisposable
{
    private const int MinReservation = 64;
    private const int DefaultReservation = 512;
    private const int MaxDepth = 16;
    private const int Unreachable = -1;

    /// <summary>Data pieces from this size on are checksummed while being copied into the ring.</summary>
    private const int ChecksumWhileCopyingFrom = 256;

    private readonly MemoryFifo _fifo;
    private readonly RingMemory _ring;
    private readonly ushort _streamId;
    private readonly int[] _groupHeaders = new int[MaxDepth];
    private int _depth;
    private int _lastChild = Unreachable;
    private long _leafRemaining;
    private int _leafPadding;
    private bool _open;
    private bool _firstRecord;
    private bool _reserved;
    private int _nextReservation = MinReservation;
    private bool _disposed;
    private ulong _transactionId;
    private ulong _recordPosition;
    private int _recordOffset;
    private int _reservedPayload;
    private int _used;
    private int _spanStart;
    private int _spanLength;
    private uint _spanState;

    internal TransactionWriter(MemoryFifo fifo)
    {
        _fifo = fifo;
        _ring = fifo.Ring;
        _streamId = fifo.AcquireStreamId();
    }

    public ushort StreamId => _streamId;

    /// <summary>The id of the open transaction, or of the last one begun.</summary>
    public ulong TransactionId => _transactionId;

    /// <summary>
    /// Opens a transaction and returns its id. <paramref name="sizeHint"/> is the expected
    /// payload size; a close guess avoids both growing and giving space back.
    /// </summary>
    public ulong Begin(long sizeHint = DefaultReservation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_open)
            throw new InvalidOperationException($"transaction {_transactionId} on stream 0x{_streamId:X4} is still open");
        var payload = (int)Math.Clamp(sizeHint, MinReservation, _fifo.MaxRecordPayload);
        _recordPosition = _fifo.Reserve((ushort)(_streamId | Journal.Format.StreamId.Begin), JournalFormat.MinRecordSize + payload, 0, out _transactionId);
        _recordOffset = _fifo.OffsetOf(_recordPosition);
        _reservedPayload = payload;
        _used = 0;
        _firstRecord = true;
        _reserved = true;
        _depth = 0;
        _lastChild = Unreachable;
        _leafRemaining = 0;
        _spanLength = 0;
        _open = true;
        return _transactionId;
    }

    /// <summary>Writes a whole operation as the transaction's next top-level record.</summary>
    public void Write(JournalOperation operation) => OperationEncoder.Encode(this, operation);

    /// <summary>Ends the transaction and returns the FIFO position just after its last record.</summary>
    public ulong Commit()
    {
        EnsureOpen();
        if (_depth != 0 || _leafRemaining != 0)
            throw new InvalidOperationException($"transaction {_transactionId} still has {_depth} open groups or {_leafRemaining} leaf bytes to write");
        if (!_reserved)
            ReserveNextRecord(0, 0);
        _open = false;
        return _fifo.Commit(_recordPosition, JournalFormat.MinRecordSize + _reservedPayload, JournalFormat.MinRecordSize + _used, Journal.Format.StreamId.End, Checksummed);
    }

    /// <summary>
    /// Abandons the transaction: its space is taken back if nothing of it was committed and
    /// nothing was reserved after it; otherwise it ends with an empty ABORTED record.
    /// </summary>
    public void Abort()
    {
        if (!_open)
            return;
        if (!_reserved)
        {
            try
            {
                ReserveNextRecord(0, 0);
            }
            catch (FifoFailedException)
            {
                // Nothing more reaches the sink anyway; the reader sees the transaction unfinished.
                return;
            }
        }
        _open = false;
        if (_firstRecord && _fifo.TryUnreserve(_recordPosition, JournalFormat.MinRecordSize + _reservedPayload))
            return;
        _fifo.Commit(_recordPosition, JournalFormat.MinRecordSize + _reservedPayload, JournalFormat.MinRecordSize,
            Journal.Format.StreamId.End | Journal.Format.StreamId.Aborted);
    }

    /// <summary>
    /// Publishes what was written so far as a committed record of the still-open
    /// transaction, so the drain can take it while the writer goes on (a journaled mount
    /// publishes an operation before it runs: write-ahead). Returns the FIFO position just
    /// after that record. The transaction's next record is reserved only when something is
    /// written to it, so no reservation of this writer holds up the drain meanwhile; it is
    /// then at least <paramref name="nextPayloadHint"/> bytes, so what follows fits one
    /// record when the hint covers it (a journaled mount's RESULT is never split).
    /// </summary>
    public ulong Publish(int nextPayloadHint = MinReservation)
    {
        EnsureBetweenRecords();
        var end = CommitCurrentRecord();
        _nextReservation = Math.Clamp(nextPayloadHint, MinReservation, _fifo.MaxRecordPayload);
        return end;
    }

    public void Push(SubRecordType type)
    {
        if (!SubRecordTypes.IsNestedType(type))
            throw new ArgumentOutOfRangeException(nameof(type), $"{type} is not a nested record type");
        EnsureBetweenRecords();
        if (_depth == MaxDepth)
            throw new InvalidOperationException($"nesting deeper than {MaxDepth}");
        var at = WriteHeader((ushort)((ushort)type | SubRecordFlags.Nested), JournalFormat.UnknownSubRecordSize, 0);
        _groupHeaders[_depth++] = at;
        _lastChild = Unreachable;
    }

    public void Pop()
    {
        EnsureBetweenRecords();
        if (_depth == 0)
            throw new InvalidOperationException("Pop without a matching Push");
        if (_lastChild == Unreachable)
            WriteHeader(SubRecordFlags.Last, JournalFormat.SubRecordHeaderSize, 0);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(_ring.AsSpan(_lastChild), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_ring.AsSpan(_lastChild)) | SubRecordFlags.Last));
        var header = _groupHeaders[--_depth];
        if (header != Unreachable)
            BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(header + 4), (uint)(WriteOffset - header));
        _lastChild = header;
    }

    public void BeginLeaf(SubRecordType type, long length)
    {
        CheckLeafLength(type, length);
        EnsureBetweenRecords();
        WriteHeader((ushort)type, (uint)(JournalFormat.SubRecordHeaderSize + length), 0);
        _leafRemaining = length;
        _leafPadding = (int)(JournalFormat.AlignSubRecord(length) - length);
        if (length == 0)
            WriteLeafPadding();
    }

    public void WriteLeafData(ReadOnlySpan<byte> piece)
    {
        EnsureOpen();
        if (piece.Length > _leafRemaining)
            throw new InvalidOperationException($"leaf data of {piece.Length} bytes exceeds the {_leafRemaining} bytes still declared");
        while (!piece.IsEmpty)
        {
            if (_used == _reservedPayload)
                Grow(1, _leafRemaining + _leafPadding + MinReservation);
            var count = Math.Min(_reservedPayload - _used, piece.Length);
            CopyIn(piece[..count]);
            _used += count;
            _leafRemaining -= count;
            piece = piece[count..];
        }
        if (_leafRemaining == 0)
            WriteLeafPadding();
    }

    public void WriteLeaf(SubRecordType type, ReadOnlySpan<byte> data)
    {
        BeginLeaf(type, data.Length);
        WriteLeafData(data);
    }

    public void WriteLeaf(SubRecordType type, uint value)
    {
        CheckLeafLength(type, 4);
        EnsureBetweenRecords();
        var at = WriteHeader((ushort)type, JournalFormat.SubRecordHeaderSize + 4, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(at + 8), value);
        BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(at + 12), 0);
    }

    public void WriteLeaf(SubRecordType type, ulong value)
    {
        CheckLeafLength(type, 8);
        EnsureBetweenRecords();
        var at = WriteHeader((ushort)type, JournalFormat.SubRecordHeaderSize + 8, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(_ring.AsSpan(at + 8), value);
    }

    public void WriteLeaf(SubRecordType type, JournalTimestamp value)
    {
        CheckLeafLength(type, JournalTimestamp.Size);
        EnsureBetweenRecords();
        var at = WriteHeader((ushort)type, JournalFormat.SubRecordHeaderSize + JournalTimestamp.Size, 16);
        value.Format(_ring.AsSpan(at + 8));
        BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(at + 20), 0);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        Abort();
        _disposed = true;
        _fifo.ReleaseStreamId(_streamId);
    }

    private int WriteOffset => _recordOffset + JournalFormat.HeaderSize + _used;

    private ChecksummedSpan Checksummed => new(JournalFormat.HeaderSize + _spanStart, _spanLength, _spanState);

    /// <summary>
    /// Copies leaf data into the record at the write offset. Large pieces are checksummed on
    /// the way (one span per record, grown while pieces follow each other), so the commit
    /// need not read them again and the drain never has to pull them from this core's cache.
    /// </summary>
    private void CopyIn(ReadOnlySpan<byte> data)
    {
        var destination = _ring.AsSpan(WriteOffset, data.Length);
        if (data.Length < ChecksumWhileCopyingFrom || (_spanLength != 0 && _spanStart + _spanLength != _used))
        {
            data.CopyTo(destination);
            return;
        }
        if (_spanLength == 0)
        {
            _spanStart = _used;
            _spanState = 0;
        }
        _spanState = Crc32C.CopyAndUpdate(_spanState, data, destination);
        _spanLength += data.Length;
    }

    /// <summary>Writes a sub-record header and <paramref name="alignedData"/> bytes after it in one piece.</summary>
    private int WriteHeader(ushort typeField, uint size, int alignedData)
    {
        var bytes = JournalFormat.SubRecordHeaderSize + alignedData;
        if (_reservedPayload - _used < bytes)
            Grow(bytes, bytes + MinReservation);
        var at = WriteOffset;
        new SubRecordHeader(typeField, 0, size).Format(_ring.AsSpan(at));
        _used += bytes;
        _lastChild = at;
        return at;
    }

    private void WriteLeafPadding()
    {
        if (_leafPadding == 0)
            return;
        if (_reservedPayload - _used < _leafPadding)
            Grow(_leafPadding, _leafPadding + MinReservation);
        _ring.AsSpan(WriteOffset, _leafPadding).Clear();
        _used += _leafPadding;
        _leafPadding = 0;
    }

    /// <summary>
    /// Makes room for at least <paramref name="minimum"/> more bytes, aiming for
    /// <paramref name="desired"/>: in place if possible, else by committing the current
    /// record and continuing the transaction in a new one.
    /// </summary>
    private void Grow(int minimum, long desired)
    {
        var maxPayload = _fifo.MaxRecordPayload;
        var target = (int)Math.Min(maxPayload, _used + Math.Max(minimum, desired));
        if (!_reserved)
        {
            ReserveNextRecord(minimum, desired);
            return;
        }
        if (_used + minimum <= maxPayload
            && _fifo.TryExtend(_recordPosition, JournalFormat.MinRecordSize + _reservedPayload, JournalFormat.MinRecordSize + target))
        {
            _reservedPayload = target;
            return;
        }
        ContinueInNewRecord(minimum, desired);
    }

    /// <summary>Commits the current record without ending the transaction, which continues in a new record.</summary>
    private ulong ContinueInNewRecord(int minimum, long desired)
    {
        var committedEnd = CommitCurrentRecord();
        ReserveNextRecord(minimum, desired);
        return committedEnd;
    }

    private ulong CommitCurrentRecord()
    {
        var committedEnd = _fifo.Commit(_recordPosition, JournalFormat.MinRecordSize + _reservedPayload, JournalFormat.MinRecordSize + _used, 0, Checksummed);
        _spanLength = 0;
        _reserved = false;
        _reservedPayload = 0;
        _used = 0;
        _firstRecord = false;
        // Everything written so far has left with the committed record.
        _groupHeaders.AsSpan(0, _depth).Fill(Unreachable);
        _lastChild = Unreachable;
        return committedEnd;
    }

    private void ReserveNextRecord(int minimum, long desired)
    {
        var payload = (int)Math.Clamp(Math.Max(desired, _nextReservation), Math.Max(minimum, MinReservation), _fifo.MaxRecordPayload);
        _nextReservation = MinReservation;
        try
        {
            _recordPosition = _fifo.Reserve(_streamId, JournalFormat.MinRecordSize + payload, _transactionId, out _);
        }
        catch
        {
            _open = false;
            throw;
        }
        _recordOffset = _fifo.OffsetOf(_recordPosition);
        _reservedPayload = payload;
        _reserved = true;
    }

    private static void CheckLeafLength(SubRecordType type, long length)
    {
        var (isFixed, max) = SubRecordTypes.LeafDataLimit(type);
        if (max < 0)
            throw new ArgumentOutOfRangeException(nameof(type), $"{type} is not a leaf type");
        if (isFixed ? length != max : length < 0 || length > max)
            throw new ArgumentOutOfRangeException(nameof(length), $"{type} leaf of {length} bytes; the format allows {(isFixed ? "exactly" : "at most")} {max}");
    }

    private void EnsureBetweenRecords()
    {
        EnsureOpen();
        if (_leafRemaining != 0)
            throw new InvalidOperationException($"the open leaf still expects {_leafRemaining} bytes");
    }

    private void EnsureOpen()
    {
        if (!_open)
            throw new InvalidOperationException("no transaction is open: call Begin first");
    }
}
