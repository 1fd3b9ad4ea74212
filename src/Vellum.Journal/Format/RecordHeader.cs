using System.Buffers.Binary;

namespace Vellum.Journal.Format;

/// <summary>The 16-byte header at the start of every stream record.</summary>
public readonly record struct RecordHeader(ushort Magic, ushort StreamField, uint RecordSize, ulong TransactionId)
{
    public ushort Id => (ushort)(StreamField & StreamId.IdMask);
    public ushort Controls => (ushort)(StreamField & StreamId.ControlMask);
    public bool IsBegin => (StreamField & StreamId.Begin) != 0;
    public bool IsEnd => (StreamField & StreamId.End) != 0;
    public bool IsAborted => (StreamField & StreamId.Aborted) != 0;

    public static RecordHeader Parse(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], StreamField);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RecordSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], TransactionId);
    }
}
