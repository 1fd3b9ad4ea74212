using System.Runtime.CompilerServices;
using Vellum.Journal.Format;

namespace Vellum.Fifo;

/// <summary>
/// Access to a record header while it sits in the ring. The begin magic is the completion
/// flag between writers and the drain: a reservation carries <see cref="IncompleteMagic"/>
/// until its writer publishes <see cref="JournalFormat.BeginMagic"/> with a release store,
/// after every other byte of the record is in place.
/// </summary>
internal static class RingHeader
{
    /// <summary>Never leaves the ring: marks space reserved but not yet committed.</summary>
    public const ushort IncompleteMagic = 0xFFFF;

    /// <summary>
    /// In the trailer's reserved field, in the ring only: the writer has filled in the CRC
    /// (the drain clears the mark to the format's 0 and leaves the CRC alone).
    /// </summary>
    public const ushort SealedByWriter = 1;

    public static int TrailerReservedOffset(int recordSize) => RecordTrailer.OffsetIn(recordSize) + 2;

    public static ushort ReadMagic(RingMemory ring, int offset) =>
        Volatile.Read(ref Unsafe.As<byte, ushort>(ref ring[offset]));

    public static void PublishMagic(RingMemory ring, int offset, ushort magic) =>
        Volatile.Write(ref Unsafe.As<byte, ushort>(ref ring[offset]), magic);

    public static ushort StreamField(RingMemory ring, int offset) => Unsafe.ReadUnaligned<ushort>(ref ring[offset + 2]);

    public static void SetStreamField(RingMemory ring, int offset, ushort value) => Unsafe.WriteUnaligned(ref ring[offset + 2], value);

    public static int RecordSize(RingMemory ring, int offset) => (int)Unsafe.ReadUnaligned<uint>(ref ring[offset + 4]);

    public static void SetRecordSize(RingMemory ring, int offset, int value) => Unsafe.WriteUnaligned(ref ring[offset + 4], (uint)value);

    /// <summary>Starts a reservation: everything but the magic is final except size and stream field.</summary>
    public static void Init(RingMemory ring, int offset, ushort streamField, int recordSize, ulong transactionId)
    {
        Unsafe.WriteUnaligned(ref ring[offset], IncompleteMagic);
        SetStreamField(ring, offset, streamField);
        SetRecordSize(ring, offset, recordSize);
        Unsafe.WriteUnaligned(ref ring[offset + 8], transactionId);
    }

    /// <summary>
    /// Fills dead space the drain must skip. Pads never leave the ring, so a 16-byte pad
    /// (too small for a trailer) is fine here.
    /// </summary>
    public static void WritePad(RingMemory ring, int offset, int bytes)
    {
        SetStreamField(ring, offset, StreamId.Pad);
        SetRecordSize(ring, offset, bytes);
        Unsafe.WriteUnaligned(ref ring[offset + 8], 0UL);
        PublishMagic(ring, offset, JournalFormat.BeginMagic);
    }
}
