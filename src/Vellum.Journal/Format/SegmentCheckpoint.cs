using System.Buffers.Binary;

namespace Vellum.Journal.Format;

/// <summary>One index entry of a checkpoint: a transaction and where its BEGIN record starts in the segment.</summary>
public readonly record struct CheckpointEntry(ulong TransactionId, long Offset);

/// <summary>A transaction begun and not yet ended at some point of a journal, and the stream id it holds.</summary>
public readonly record struct OpenTransaction(ulong TransactionId, ushort StreamId);

/// <summary>
/// The payload of a checkpoint record (stream 0x0006), the last record of a sealed segment:
/// where the segment starts in its store, its length up to the checkpoint, and a sparse
/// index of BEGIN records (always the segment's first), so that a reader finds any
/// transaction by a seek without scanning the segments before it, and the transactions
/// still open at the checkpoint, whose remaining records follow in the next segment.
/// </summary>
public sealed record SegmentCheckpoint(long SegmentStart, long Length, IReadOnlyList<CheckpointEntry> Index, IReadOnlyList<OpenTransaction> Open)
{
    public const int FixedSize = 24;
    public const int EntrySize = 16;

    public int EncodedSize => FixedSize + EntrySize * (Index.Count + Open.Count);

    public int Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, SegmentStart);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)Index.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], (uint)Open.Count);
        var at = FixedSize;
        foreach (var entry in Index)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], entry.TransactionId);
            BinaryPrimitives.WriteInt64LittleEndian(destination[(at + 8)..], entry.Offset);
            at += EntrySize;
        }
        foreach (var open in Open)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], open.TransactionId);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(at + 8)..], open.StreamId);
            at += EntrySize;
        }
        return at;
    }

    /// <summary>Parses a checkpoint payload; the message says what was wrong, for the caller to place.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out SegmentCheckpoint? checkpoint, out string? problem)
    {
        checkpoint = null;
        if (source.Length < FixedSize)
        {
            problem = $"checkpoint payload of {source.Length} bytes, expected at least {FixedSize}";
            return false;
        }
        var start = BinaryPrimitives.ReadInt64LittleEndian(source);
        var length = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(source[16..]);
        var openCount = BinaryPrimitives.ReadUInt32LittleEndian(source[20..]);
        if (start < 0 || length < 0)
        {
            problem = $"checkpoint with segment start {start} and length {length}";
            return false;
        }
        var expected = FixedSize + ((long)count + openCount) * EntrySize;
        if (source.Length != expected)
        {
            problem = $"checkpoint payload of {source.Length} bytes for {count} index entries and {openCount} open transactions, expected {expected}";
            return false;
        }
        var index = new CheckpointEntry[count];
        for (var i = 0; i < index.Length; i++)
        {
            var at = FixedSize + i * EntrySize;
            index[i] = new CheckpointEntry(BinaryPrimitives.ReadUInt64LittleEndian(source[at..]), BinaryPrimitives.ReadInt64LittleEndian(source[(at + 8)..]));
            if (index[i].Offset < 0 || index[i].Offset >= length || (i > 0 && (index[i].TransactionId <= index[i - 1].TransactionId || index[i].Offset <= index[i - 1].Offset)))
            {
                problem = $"checkpoint index entry {i} (transaction {index[i].TransactionId} at {index[i].Offset}) out of order or outside the segment";
                return false;
            }
        }
        var open = new OpenTransaction[openCount];
        for (var i = 0; i < open.Length; i++)
        {
            var at = FixedSize + (index.Length + i) * EntrySize;
            var stream = BinaryPrimitives.ReadUInt64LittleEndian(source[(at + 8)..]);
            if (stream > StreamId.LastTransaction || !StreamId.IsTransaction((ushort)stream))
            {
                problem = $"checkpoint open transaction {i} on stream 0x{stream:X}, not a transaction stream id";
                return false;
            }
            open[i] = new OpenTransaction(BinaryPrimitives.ReadUInt64LittleEndian(source[at..]), (ushort)stream);
        }
        checkpoint = new SegmentCheckpoint(start, length, index, open);
        problem = null;
        return true;
    }
}
