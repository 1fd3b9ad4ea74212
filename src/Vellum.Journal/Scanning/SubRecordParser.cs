using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Journal.Scanning;

/// <summary>
/// Parses one transaction's payload incrementally: each record's payload is fed as it arrives,
/// and sub-record headers, leaf data and padding may be split between records at any byte.
/// Every declared size is checked against its limit and its enclosing record before it is
/// accepted, and leaf data is buffered only as its bytes arrive.
/// </summary>
internal sealed class SubRecordParser(bool reversible)
{
    private enum State
    {
        Header,
        LeafData,
        Padding,
    }

    private readonly List<JournalOperation> _operations = [];
    private readonly List<SubRecordFrame> _frames = [];
    private readonly byte[] _header = new byte[JournalFormat.SubRecordHeaderSize];
    private readonly byte[] _fixedData = new byte[JournalTimestamp.Size];
    private readonly LeafBuffer _leafData = new();
    private State _state;

    // Payload bytes consumed so far; positions below are in the same terms.
    private long _position;
    private int _headerHave;
    private long _headerOffset;
    private long _headerRecordOffset;
    private SubRecordStart _leaf;
    private bool _leafIsFixed;
    private int _fixedHave;
    private long _leafRemaining;
    private int _paddingRemaining;

    // Stream offset of payload position 0 as seen from the record being fed: payload bytes are
    // contiguous in the stream only within one record.
    private long _streamBase;
    private long _recordOffset;

    public JournalError? Error { get; private set; }

    public IReadOnlyList<JournalOperation> Operations => _operations;

    public bool Feed(ReadOnlySpan<byte> payload, long payloadOffset, long recordOffset)
    {
        _streamBase = payloadOffset - _position;
        _recordOffset = recordOffset;
        while (!payload.IsEmpty)
        {
            var ok = _state switch
            {
                State.Header => ReadHeader(ref payload),
                State.LeafData => ReadLeafData(ref payload),
                _ => ReadPadding(ref payload),
            };
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>Checks that a committed transaction's payload ended just after a top-level operation.</summary>
    public bool Complete(long recordOffset)
    {
        if (_frames.Count == 0 && _state == State.Header && _headerHave == 0)
            return true;
        return Fail(recordOffset, "the committed transaction to end after a complete top-level operation",
            $"its payload ending {DescribeUnfinished()} at byte {_streamBase + _position}");
    }

    private bool ReadHeader(ref ReadOnlySpan<byte> payload)
    {
        if (_headerHave == 0)
        {
            _headerOffset = _streamBase + _position;
            _headerRecordOffset = _recordOffset;
            if (payload.Length >= JournalFormat.SubRecordHeaderSize)
            {
                var header = SubRecordHeader.Parse(payload);
                Consume(ref payload, JournalFormat.SubRecordHeaderSize);
                return OnHeader(header);
            }
        }
        var piece = Math.Min(JournalFormat.SubRecordHeaderSize - _headerHave, payload.Length);
        payload[..piece].CopyTo(_header.AsSpan(_headerHave));
        _headerHave += piece;
        Consume(ref payload, piece);
        if (_headerHave < JournalFormat.SubRecordHeaderSize)
            return true;
        _headerHave = 0;
        return OnHeader(SubRecordHeader.Parse(_header));
    }

    private bool OnHeader(SubRecordHeader header)
    {
        var type = header.Type;
        var start = new SubRecordStart(type, header.IsLast, _headerOffset, _headerRecordOffset);
        var nested = SubRecordTypes.IsNestedType(type);
        if (!nested && !SubRecordTypes.IsLeaf(type))
            return Fail(start, "a known sub-record type", Of(type));
        if (header.Reserved != 0)
            return Fail(start, $"reserved field 0 in {Of(type)}", $"0x{header.Reserved:X4}");
        if (header.IsNested != nested)
        {
            return Fail(start,
                nested ? $"sub-record type with NESTED set for {Of(type)}" : $"sub-record type with NESTED clear for leaf {Of(type)}",
                $"type field 0x{header.TypeField:X4}");
        }
        if (!CheckPlacement(start))
            return false;
        var begin = _position - JournalFormat.SubRecordHeaderSize;
        var limit = _frames.Count == 0 ? long.MaxValue : _frames[^1].Limit;
        return nested ? OpenNested(start, header.Size, begin, limit) : OpenLeaf(start, header.Size, begin, limit);
    }

    private bool CheckPlacement(SubRecordStart start)
    {
        if (_frames.Count == 0)
        {
            if (!SubRecordTypes.IsOperation(start.Type))
                return Fail(start, "an operation at the top level of the transaction", Of(start.Type));
            return !start.IsLast || Fail(start, "LAST clear on a top-level operation", $"LAST set on {Of(start.Type)}");
        }
        if (start.Type == SubRecordType.Pad)
            return true;
        if (_frames[^1].Accept(start.Type) is { } expected)
            return Fail(start, expected, Of(start.Type));
        return start.Type != SubRecordType.Undo || reversible
            || Fail(start, "no UNDO group, as the journal header does not set the reversible flag", Of(start.Type));
    }

    private bool OpenNested(SubRecordStart start, uint size, long begin, long limit)
    {
        if (size == JournalFormat.UnknownSubRecordSize)
        {
            _frames.Add(new SubRecordFrame(start, -1, limit));
            return true;
        }
        if (size % JournalFormat.SubRecordAlignment != 0 || size < 2 * JournalFormat.SubRecordHeaderSize)
            return Fail(start, $"size 0 (unknown) or a multiple of 8 of at least 16 for {Of(start.Type)}", $"size {size}");
        if (begin + size > limit)
            return Fail(start, $"{Of(start.Type)} to fit in the {limit - begin} bytes left in its enclosing record", $"size {size}");
        _frames.Add(new SubRecordFrame(start, begin + size, begin + size));
        return true;
    }

    private bool OpenLeaf(SubRecordStart start, uint size, long begin, long limit)
    {
        if (size < JournalFormat.SubRecordHeaderSize)
            return Fail(start, $"a leaf size of at least 8 for {Of(start.Type)}", $"size {size}");
        long length = size - JournalFormat.SubRecordHeaderSize;
        var (isFixed, max) = SubRecordTypes.LeafDataLimit(start.Type);
        if (isFixed && length != max)
            return Fail(start, $"{Of(start.Type)} data of exactly {max} bytes", $"{length} bytes");
        if (length > max)
            return Fail(start, $"{Of(start.Type)} data of at most {max} bytes", $"{length} bytes");
        // The format allows DATA up to 4 GiB, but it is handed out as one ReadOnlyMemory<byte>.
        if (length > Array.MaxLength)
            return Fail(start, $"{Of(start.Type)} data of at most {Array.MaxLength} bytes (the most this reader can hold)", $"{length} bytes");
        var aligned = JournalFormat.AlignSubRecord(size);
        if (begin + aligned > limit)
            return Fail(start, $"{Of(start.Type)} to fit in the {limit - begin} bytes left in its enclosing record", $"size {size}");
        _leaf = start;
        _leafIsFixed = isFixed;
        _fixedHave = 0;
        _leafRemaining = length;
        _paddingRemaining = (int)(aligned - size);
        if (!isFixed)
            _leafData.Start((int)length);
        if (length == 0)
            return FinishLeafData();
        _state = State.LeafData;
        return true;
    }

    private bool ReadLeafData(ref ReadOnlySpan<byte> payload)
    {
        var piece = (int)Math.Min(_leafRemaining, payload.Length);
        if (_leafIsFixed)
        {
            payload[..piece].CopyTo(_fixedData.AsSpan(_fixedHave));
            _fixedHave += piece;
        }
        else
        {
            _leafData.Append(payload[..piece]);
        }
        Consume(ref payload, piece);
        _leafRemaining -= piece;
        return _leafRemaining > 0 || FinishLeafData();
    }

    private bool FinishLeafData()
    {
        var type = _leaf.Type;
        if (type != SubRecordType.Pad)
        {
            var parent = _frames[^1].Node;
            if (_leafIsFixed)
            {
                var data = _fixedData.AsSpan(0, _fixedHave);
                if (OperationDecoder.IsTimestamp(type) && JournalTimestamp.Parse(data) is { IsValid: false } time)
                    return Fail(_recordOffset, $"nanoseconds below 1000000000 in {Of(type)}", $"{time.Nanoseconds} in the leaf at byte {_leaf.Offset}");
                OperationDecoder.ApplyFixed(parent, type, data);
            }
            else
            {
                OperationDecoder.ApplyBytes(parent, type, _leafData.Take());
            }
        }
        if (_paddingRemaining > 0)
        {
            _state = State.Padding;
            return true;
        }
        _state = State.Header;
        return ChildCompleted(_leaf);
    }

    private bool ReadPadding(ref ReadOnlySpan<byte> payload)
    {
        var piece = Math.Min(_paddingRemaining, payload.Length);
        var nonZero = payload[..piece].IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
            return Fail(_recordOffset, $"zero alignment padding after {Of(_leaf.Type)}", $"0x{payload[nonZero]:X2} at byte {_streamBase + _position + nonZero}");
        Consume(ref payload, piece);
        _paddingRemaining -= piece;
        if (_paddingRemaining > 0)
            return true;
        _state = State.Header;
        return ChildCompleted(_leaf);
    }

    /// <summary>Applies the nesting rules once a child is complete, closing every record it was the end of.</summary>
    private bool ChildCompleted(SubRecordStart child)
    {
        while (true)
        {
            var parent = _frames[^1];
            bool ends;
            if (parent.HasExactSize)
            {
                ends = _position == parent.End;
                if (child.IsLast != ends)
                {
                    return ends
                        ? Fail(child, $"LAST on {Of(child.Type)}, the final child of {Of(parent.Type)}", "LAST clear")
                        : Fail(child, $"LAST only on the final child of {Of(parent.Type)}",
                            $"LAST on {Of(child.Type)} with {parent.End - _position} bytes of its parent after it");
                }
            }
            else
            {
                ends = child.IsLast;
                if (!ends && _position >= parent.Limit)
                {
                    return Fail(_recordOffset, $"a LAST child ending {Of(parent.Type)} (unknown size, at byte {parent.Start.Offset}) inside its enclosing record",
                        $"the enclosing record ending after {Of(child.Type)} at byte {child.Offset}, which has LAST clear");
                }
            }
            if (!ends)
                return true;
            if (parent.FirstMissing() is { } missing)
                return Fail(_recordOffset, $"{Of(missing)} in {Of(parent.Type)}", $"{Of(parent.Type)} at byte {parent.Start.Offset} ending without it");
            _frames.RemoveAt(_frames.Count - 1);
            if (_frames.Count == 0)
            {
                _operations.Add((JournalOperation)parent.Node);
                return true;
            }
            OperationDecoder.ApplyGroup(_frames[^1].Node, parent.Type, parent.Node);
            child = parent.Start;
        }
    }

    private string DescribeUnfinished()
    {
        if (_state == State.LeafData)
            return $"with {_leafRemaining} bytes of {Of(_leaf.Type)} (at byte {_leaf.Offset}) still to come";
        if (_state == State.Padding)
            return $"inside the padding after {Of(_leaf.Type)} (at byte {_leaf.Offset})";
        if (_headerHave > 0)
            return $"{_headerHave} bytes into a sub-record header (at byte {_headerOffset})";
        return $"inside {Of(_frames[^1].Type)} (at byte {_frames[^1].Start.Offset})";
    }

    private void Consume(ref ReadOnlySpan<byte> payload, int count)
    {
        payload = payload[count..];
        _position += count;
    }

    private bool Fail(SubRecordStart at, string expected, string found) =>
        Fail(at.RecordOffset, expected, $"{found} (sub-record at byte {at.Offset})");

    private bool Fail(long recordOffset, string expected, string found)
    {
        Error = JournalError.Corrupt(recordOffset, expected, found);
        return false;
    }

    private static string Of(SubRecordType type) => SubRecordNames.Of(type);
}
