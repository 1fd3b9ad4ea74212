using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Native;

namespace Vellum.Fifo;

/// <summary>One record found in a ring file: sealed bytes ready for a sink, or a reservation nobody completed.</summary>
public readonly record struct RingRecord(ulong Position, ushort StreamField, ulong TransactionId, byte[]? Sealed)
{
    public bool IsComplete => Sealed is not null;
}

/// <summary>
/// What a killed process left in its <see cref="RingFile"/>: the records from where the
/// sink had got to up to where writers had reserved. Read from a copy of the file, so the
/// caller can replace the ring file while using this.
/// </summary>
public sealed class RecoveredRing
{
    private readonly byte[] _ring;
    private readonly int _mask;

    private RecoveredRing(byte[] ring, ulong drainedFifo, long drainedSink, ulong written)
    {
        _ring = ring;
        _mask = ring.Length - 1;
        DrainedFifoPosition = drainedFifo;
        DrainedSinkPosition = drainedSink;
        WrittenPosition = written;
    }

    /// <summary>The FIFO position below which the sink had every record.</summary>
    public ulong DrainedFifoPosition { get; }

    /// <summary>The sink's own position just after those records.</summary>
    public long DrainedSinkPosition { get; }

    /// <summary>Where reservations ended.</summary>
    public ulong WrittenPosition { get; }

    /// <summary>
    /// Reads the ring file at <paramref name="path"/>. Null, with the reason, when there is
    /// none, or it belongs to another journal or to another boot (after a reboot the page
    /// cache that made it trustworthy is gone).
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static RecoveredRing? TryRead(string path, Guid journalId, out string reason)
    {
        if (!File.Exists(path))
        {
            reason = "no ring file";
            return null;
        }
        byte[] bytes;
        using (var file = new FileStream(OwnerOnly.OpenFile(path, LibCConstants.ORdOnly), FileAccess.Read, 1))
        {
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        if (bytes.Length < RingFile.HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(bytes) != RingFile.Magic)
        {
            reason = "not a ring file";
            return null;
        }
        var ringSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(RingFile.RingSizeOffset));
        if (ringSize < 4096 || (ringSize & (ringSize - 1)) != 0 || bytes.Length != RingFile.HeaderSize + (long)ringSize)
        {
            reason = $"ring file size {bytes.Length} does not match its ring of {ringSize} bytes";
            return null;
        }
        if (new Guid(bytes.AsSpan(RingFile.BootIdOffset, 16)) != BootId.Current())
        {
            reason = "ring file from an earlier boot";
            return null;
        }
        if (new Guid(bytes.AsSpan(RingFile.JournalIdOffset, 16)) != journalId)
        {
            reason = "ring file of another journal";
            return null;
        }
        var generation = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(RingFile.DrainedGenerationOffset));
        var slot = bytes.AsSpan(RingFile.DrainedSlotsOffset + (int)(generation & 1) * 16, 16);
        var written = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(RingFile.WrittenOffset));
        var drainedFifo = BinaryPrimitives.ReadUInt64LittleEndian(slot);
        if (drainedFifo > written || written - drainedFifo > (ulong)ringSize)
        {
            reason = $"ring file positions are inconsistent (drained {drainedFifo}, written {written})";
            return null;
        }
        reason = "";
        return new RecoveredRing(bytes.AsSpan(RingFile.HeaderSize).ToArray(), drainedFifo, BinaryPrimitives.ReadInt64LittleEndian(slot[8..]), written);
    }

    /// <summary>
    /// The records from <paramref name="from"/> (a record boundary at or after
    /// <see cref="DrainedFifoPosition"/>) to the written position, pads left out. Complete
    /// records come sealed (CRC computed afresh, the ring-only mark cleared); a reservation
    /// still marked incomplete comes without bytes. Stops early at a header that makes no
    /// sense, which only a reservation torn mid-update can leave.
    /// </summary>
    public IEnumerable<RingRecord> Records(ulong from)
    {
        var position = from;
        while (position < WrittenPosition)
        {
            var offset = (int)(position & (ulong)_mask);
            var magic = BinaryPrimitives.ReadUInt16LittleEndian(_ring.AsSpan(offset));
            var streamField = BinaryPrimitives.ReadUInt16LittleEndian(_ring.AsSpan(offset + 2));
            var recordSize = BinaryPrimitives.ReadInt32LittleEndian(_ring.AsSpan(offset + 4));
            var aligned = recordSize >= JournalFormat.HeaderSize ? JournalFormat.AlignedRecordSize(recordSize) : 0;
            if ((magic != JournalFormat.BeginMagic && magic != RingHeader.IncompleteMagic) || aligned == 0
                || offset + aligned > _ring.Length || position + (ulong)aligned > WrittenPosition)
                yield break;
            var transactionId = BinaryPrimitives.ReadUInt64LittleEndian(_ring.AsSpan(offset + 8));
            if (streamField == StreamId.Pad && magic == JournalFormat.BeginMagic)
            {
                position += (ulong)aligned;
                continue;
            }
            byte[]? sealedBytes = null;
            if (magic == JournalFormat.BeginMagic && recordSize >= JournalFormat.MinRecordSize)
            {
                sealedBytes = _ring.AsSpan(offset, aligned).ToArray();
                BinaryPrimitives.WriteUInt16LittleEndian(sealedBytes.AsSpan(RingHeader.TrailerReservedOffset(recordSize)), 0);
                var crc = Crc32C.Compute(sealedBytes.AsSpan(0, recordSize - JournalFormat.TrailerSize));
                BinaryPrimitives.WriteUInt32LittleEndian(sealedBytes.AsSpan(aligned - 8), crc);
            }
            yield return new RingRecord(position, streamField, transactionId, sealedBytes);
            position += (ulong)aligned;
        }
    }
}
