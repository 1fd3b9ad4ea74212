using Vellum.Journal.Format;

namespace Vellum.Journal.Operations;

/// <summary>
/// Builds a transaction payload in memory. Nested records get their exact size, or, with
/// <c>unknownNestedSizes</c>, the unknown-size form closed by LAST (what a streaming writer
/// produces when a group's header has already left the FIFO).
/// </summary>
public sealed class SubRecordBuffer(bool unknownNestedSizes = false) : ISubRecordWriter
{
    private readonly MemoryStream _bytes = new();
    private readonly Stack<Group> _open = new();
    private long _leafRemaining;
    private long _leafPadding;
    private long _lastChildAt = -1;

    public ReadOnlySpan<byte> Payload => _bytes.GetBuffer().AsSpan(0, (int)_bytes.Length);

    public byte[] ToArray()
    {
        if (_open.Count != 0 || _leafRemaining != 0)
            throw new InvalidOperationException("the transaction still has an open group or leaf");
        return _bytes.ToArray();
    }

    public void Push(SubRecordType type)
    {
        EnsureNoOpenLeaf();
        _open.Push(new Group(_bytes.Length));
        WriteHeader((ushort)((ushort)type | SubRecordFlags.Nested), JournalFormat.UnknownSubRecordSize);
        _lastChildAt = -1;
    }

    public void Pop()
    {
        EnsureNoOpenLeaf();
        var group = _open.Pop();
        if (_lastChildAt < 0)
        {
            WriteHeader((ushort)((ushort)SubRecordType.Pad | SubRecordFlags.Last), JournalFormat.SubRecordHeaderSize);
        }
        else
        {
            var buffer = _bytes.GetBuffer();
            var last = SubRecordHeader.Parse(buffer.AsSpan((int)_lastChildAt));
            (last with { TypeField = (ushort)(last.TypeField | SubRecordFlags.Last) }).Format(buffer.AsSpan((int)_lastChildAt));
        }
        if (!unknownNestedSizes)
        {
            var buffer = _bytes.GetBuffer();
            var header = SubRecordHeader.Parse(buffer.AsSpan((int)group.HeaderAt));
            (header with { Size = checked((uint)(_bytes.Length - group.HeaderAt)) }).Format(buffer.AsSpan((int)group.HeaderAt));
        }
        _lastChildAt = group.HeaderAt;
    }

    public void BeginLeaf(SubRecordType type, long length)
    {
        EnsureNoOpenLeaf();
        WriteHeader((ushort)type, checked((uint)(JournalFormat.SubRecordHeaderSize + length)));
        _leafRemaining = length;
        _leafPadding = JournalFormat.AlignSubRecord(length) - length;
        FinishLeafIfDone();
    }

    public void WriteLeafData(ReadOnlySpan<byte> piece)
    {
        if (piece.Length > _leafRemaining)
            throw new InvalidOperationException($"leaf data of {piece.Length} bytes exceeds the {_leafRemaining} bytes still declared");
        _bytes.Write(piece);
        _leafRemaining -= piece.Length;
        FinishLeafIfDone();
    }

    private void FinishLeafIfDone()
    {
        if (_leafRemaining != 0)
            return;
        for (; _leafPadding > 0; _leafPadding--)
            _bytes.WriteByte(0);
    }

    private void WriteHeader(ushort typeField, uint size)
    {
        _lastChildAt = _bytes.Length;
        Span<byte> header = stackalloc byte[JournalFormat.SubRecordHeaderSize];
        new SubRecordHeader(typeField, 0, size).Format(header);
        _bytes.Write(header);
    }

    private void EnsureNoOpenLeaf()
    {
        if (_leafRemaining != 0)
            throw new InvalidOperationException($"the open leaf still expects {_leafRemaining} bytes");
    }

    private readonly record struct Group(long HeaderAt);
}
