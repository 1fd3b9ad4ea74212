using System.Buffers.Binary;

namespace Vellum.Journal.Format;

/// <summary>
/// The 12-byte trailer that ends every stream record's aligned space: it repeats the
/// record size so a reader can walk backwards, and holds the CRC32C of header and payload.
/// </summary>
public readonly record struct RecordTrailer(ushort Magic, ushort Reserved, uint Crc, uint RecordSize)
{
    public static RecordTrailer Parse(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(source),
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], RecordSize);
    }

    /// <summary>Offset of the trailer from the start of a record of the given (unaligned) size.</summary>
    public static int OffsetIn(int recordSize) => JournalFormat.AlignedRecordSize(recordSize) - JournalFormat.TrailerSize;
}
