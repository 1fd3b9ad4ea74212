using System.Buffers.Binary;
using Vellum.Journal.Format;

namespace Vellum.Journal.Operations;

/// <summary>
/// Builds the sub-record tree of one transaction. Implemented by the FIFO's transaction
/// writer (streaming into the ring) and by <see cref="SubRecordBuffer"/> (into memory).
/// </summary>
public interface ISubRecordWriter
{
    /// <summary>Opens a nested record; children follow until the matching <see cref="Pop"/>.</summary>
    void Push(SubRecordType type);

    /// <summary>Closes the innermost nested record, marking its last child LAST.</summary>
    void Pop();

    /// <summary>Starts a leaf of exactly <paramref name="length"/> data bytes, supplied by <see cref="WriteLeafData"/>.</summary>
    void BeginLeaf(SubRecordType type, long length);

    /// <summary>Supplies the next piece of the open leaf's data; pieces may be of any size.</summary>
    void WriteLeafData(ReadOnlySpan<byte> piece);

    void WriteLeaf(SubRecordType type, ReadOnlySpan<byte> data)
    {
        BeginLeaf(type, data.Length);
        WriteLeafData(data);
    }

    void WriteLeaf(SubRecordType type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        WriteLeaf(type, bytes);
    }

    void WriteLeaf(SubRecordType type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        WriteLeaf(type, bytes);
    }

    void WriteLeaf(SubRecordType type, JournalTimestamp value)
    {
        Span<byte> bytes = stackalloc byte[JournalTimestamp.Size];
        value.Format(bytes);
        WriteLeaf(type, bytes);
    }
}
