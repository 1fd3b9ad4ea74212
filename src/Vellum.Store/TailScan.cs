using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;

namespace Vellum.Store;

/// <summary>
/// A full scan of the newest segment (everything after the newest checkpoint), every
/// record's CRC checked, as long as the file was when the scan began: whether it is already
/// sealed, the transactions still open at its end, and the damage the scan stopped at.
/// </summary>
internal sealed class TailScan
{
    public long FileLength { get; private set; }

    public long SyncPointLength { get; private set; }

    public bool EndsWithCheckpoint { get; private set; }

    public ulong LastBegun { get; private set; }

    public IReadOnlyList<OpenTransaction> Open { get; private set; } = [];

    public JournalError? Error { get; private set; }

    /// <summary>The transaction whose record the torn tail cut, when its header survived.</summary>
    public IReadOnlyList<ulong> TornTransactions { get; private set; } = [];

    /// <summary>Where the zeros after the records begin (the writer's runway), when the file ends with some.</summary>
    public long? ZeroTailAt { get; private set; }

    /// <summary>How far the scan read: less than <see cref="FileLength"/> when a writer cut its runway meanwhile.</summary>
    public long ReadLength { get; private set; }

    /// <summary>The end of the records read: before the damage, before the zeros, or where the input ended.</summary>
    public long DataEnd => Error?.Offset ?? ZeroTailAt ?? ReadLength;

    /// <summary>
    /// Scans <paramref name="path"/>; <paramref name="live"/> when another process may be
    /// appending to it (a read-only open). Its appends land in the runway's zeros, so the scan
    /// can read a record half copied with a whole one already after it, which looks like
    /// corruption. Records are written once and in order, so scanning again either finds that
    /// record whole (the damage moves on or goes) or finds the same damage: real.
    /// </summary>
    public static TailScan Run(string path, JournalResume resume, bool live)
    {
        var scan = RunOnce(path, resume);
        while (live && scan.Error is { Kind: JournalErrorKind.Corrupt } corrupt)
        {
            var again = RunOnce(path, resume);
            if (again.Error is { Kind: JournalErrorKind.Corrupt } same && same.Offset <= corrupt.Offset)
                return again;
            scan = again;
        }
        return scan;
    }

    private static TailScan RunOnce(string path, JournalResume resume)
    {
        var result = new TailScan();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        result.FileLength = stream.Length;
        var input = new BoundedReadStream(stream, result.FileLength);
        using var scanner = new JournalScanner(input, leaveOpen: true, resume);
        var first = true;
        JournalEntry? last = null;
        while (scanner.TryRead(out var entry))
        {
            if (first)
            {
                if (entry is not SyncPointEntry { Offset: 0 } syncPoint)
                {
                    result.Error = new JournalError(JournalErrorKind.Corrupt, 0, "a sync point as the segment's first record", entry.GetType().Name);
                    return result;
                }
                result.SyncPointLength = RecordCodec.AlignedSizeFor(syncPoint.Header.EncodedSize);
                first = false;
            }
            last = entry;
        }
        result.Error = scanner.Error;
        result.ZeroTailAt = scanner.ZeroTailOffset;
        result.ReadLength = input.Position;
        if (first && result.Error is null)
            result.Error = new JournalError(JournalErrorKind.TornTail, 0, "a sync point as the segment's first record", $"{result.FileLength} bytes");
        result.EndsWithCheckpoint = result.Error is null && last is CheckpointRecordEntry;
        result.LastBegun = scanner.LastBegun;
        result.Open = scanner.IncompleteTransactionStreams;
        if (result.Error is { Kind: JournalErrorKind.TornTail } torn)
            result.TornTransactions = TransactionAt(stream, torn.Offset);
        return result;
    }

    private static IReadOnlyList<ulong> TransactionAt(FileStream stream, long offset)
    {
        Span<byte> header = stackalloc byte[JournalFormat.HeaderSize];
        stream.Position = offset;
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            return [];
        var parsed = RecordHeader.Parse(header);
        var id = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        return parsed.Magic == JournalFormat.BeginMagic && StreamId.IsTransaction(parsed.Id) && id != 0 ? [id] : [];
    }
}
