using Vellum.Journal.Format;

namespace Vellum.Bench.Store;

/// <summary>
/// One whole one-record transaction (BEGIN|END) on a stream, built once: committing the next
/// one rewrites only the header's transaction id and re-seals (padding, trailer, CRC32C), in
/// place, so a commit allocates nothing and copies no payload.
/// </summary>
internal sealed class TransactionRecord
{
    private readonly byte[] _bytes;
    private readonly ushort _streamField;
    private readonly int _recordSize;

    public TransactionRecord(ushort stream, int payloadLength)
    {
        _streamField = (ushort)(stream | StreamId.Begin | StreamId.End);
        _recordSize = JournalFormat.MinRecordSize + payloadLength;
        _bytes = GC.AllocateUninitializedArray<byte>(RecordCodec.AlignedSizeFor(payloadLength), pinned: true);
        var payload = new byte[payloadLength];
        Random.Shared.NextBytes(payload);
        RecordCodec.Write(_bytes, _streamField, 1, payload);
    }

    /// <summary>Bytes the record occupies in the stream (a multiple of 16).</summary>
    public int Length => _bytes.Length;

    /// <summary>Makes the record that of transaction <paramref name="transactionId"/>.</summary>
    public ReadOnlySpan<byte> For(ulong transactionId)
    {
        new RecordHeader(JournalFormat.BeginMagic, _streamField, (uint)_recordSize, transactionId).Format(_bytes);
        RecordCodec.Seal(_bytes, _recordSize);
        return _bytes;
    }
}
