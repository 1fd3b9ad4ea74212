using System.Buffers.Binary;

namespace Vellum.Journal.Format;

/// <summary>The 8-byte header of a sub-record inside a transaction's payload.</summary>
public readonly record struct SubRecordHeader(ushort TypeField, ushort Reserved, uint Size)
{
    public SubRecordType Type => (SubRecordType)(TypeField & SubRecordFlags.TypeMask);
    public bool IsNested => (TypeField & SubRecordFlags.Nested) != 0;
    public bool IsLast => (TypeField & SubRecordFlags.Last) != 0;

    public static SubRecordHeader Parse(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]));

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, TypeField);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Size);
    }
}

public static class SubRecordFlags
{
    public const ushort Nested = 0x8000;
    public const ushort Last = 0x4000;
    public const ushort TypeMask = 0x3FFF;
}
