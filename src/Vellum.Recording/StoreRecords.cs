using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>Walks the raw records of a store from a position, for recovery's bookkeeping.</summary>
internal static class StoreRecords
{
    /// <summary>Every whole record from <paramref name="position"/> to the store's written position.</summary>
    public static IEnumerable<byte[]> From(SegmentStore store, long position)
    {
        using var stream = store.OpenStream(position);
        var header = new byte[JournalFormat.HeaderSize];
        while (true)
        {
            if (!ReadFully(stream, header))
                yield break;
            var recordSize = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            var aligned = JournalFormat.AlignedRecordSize((int)recordSize);
            var record = new byte[aligned];
            header.CopyTo(record, 0);
            if (!ReadFully(stream, record.AsSpan(JournalFormat.HeaderSize)))
                yield break;
            yield return record;
        }
    }

    public static ushort StreamField(byte[] record) => BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(2));

    public static ulong TransactionId(byte[] record) => BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(8));

    public static bool IsTransactionRecord(byte[] record) => StreamId.IsTransaction((ushort)(StreamField(record) & StreamId.IdMask));

    private static bool ReadFully(Stream stream, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var read = stream.Read(buffer);
            if (read == 0)
                return false;
            buffer = buffer[read..];
        }
        return true;
    }
}
