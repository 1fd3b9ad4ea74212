using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Store.Tests;

/// <summary>
/// Transactions whose content follows from their id (a write of bytes seeded by the id to
/// "/file-ID"), so that any reader can tell an intact transaction from a damaged one.
/// </summary>
internal static class Txn
{
    public const ushort Stream = StreamId.FirstTransaction;

    public static JournalHeader Header { get; } = JournalHeader.Create(new Guid("5b1d7a52-63c1-4f43-9f1b-6a9d3c2e8a10"), 1, "test-host", "/data");

    public static StoreOptions Options(long segmentSize = 64L * 1024 * 1024, int indexSpacing = 64 * 1024) =>
        new() { Header = Header, SegmentSize = segmentSize, IndexSpacing = indexSpacing };

    public static byte[] Payload(ulong id, int dataLength)
    {
        var data = new byte[dataLength];
        new Random((int)id).NextBytes(data);
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Write,
            Time = new JournalTimestamp(1_700_000_000 + (long)id, 0),
            Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 42, Command = "test"u8.ToArray() },
            Path = Encoding.UTF8.GetBytes($"/file-{id}"),
            Redo = new OperationState { Offset = 0, Length = (ulong)dataLength, Data = data },
        };
        var buffer = new SubRecordBuffer();
        OperationEncoder.Encode(buffer, operation);
        return buffer.ToArray();
    }

    /// <summary>The transaction as <paramref name="pieces"/> records (BEGIN first, END last) on <paramref name="stream"/>.</summary>
    public static List<byte[]> Records(ulong id, int dataLength = 150, int pieces = 1, ushort stream = Stream)
    {
        var payload = Payload(id, dataLength);
        var records = new List<byte[]>();
        var cut = (payload.Length + pieces - 1) / pieces;
        for (var i = 0; i < pieces; i++)
        {
            var part = payload.AsSpan(Math.Min(i * cut, payload.Length), Math.Max(0, Math.Min(cut, payload.Length - i * cut)));
            var field = stream | (i == 0 ? StreamId.Begin : 0) | (i == pieces - 1 ? StreamId.End : 0);
            var record = new byte[RecordCodec.AlignedSizeFor(part.Length)];
            RecordCodec.Write(record, (ushort)field, id, part);
            records.Add(record);
        }
        return records;
    }

    public static byte[] Single(ulong id, int dataLength = 150, ushort stream = Stream) => Records(id, dataLength, 1, stream)[0];

    /// <summary>Checks that the entry is transaction <paramref name="id"/> with exactly the content its id gives.</summary>
    public static void AssertIntact(TransactionEntry entry)
    {
        var operation = Assert.Single(entry.Operations);
        Assert.Equal($"/file-{entry.TransactionId}", Encoding.UTF8.GetString(operation.Path!));
        var data = operation.Redo!.Data!.Value.ToArray();
        var expected = new byte[data.Length];
        new Random((int)entry.TransactionId).NextBytes(expected);
        Assert.Equal(expected, data);
    }

    /// <summary>Every entry a cursor from the start returns, with the damage it stopped at.</summary>
    public static (List<JournalEntry> Entries, StoreDamagedException? Error, IReadOnlyList<ulong> Incomplete) ReadAll(SegmentStore store, ulong from = 0)
    {
        using var cursor = store.OpenCursor(from);
        var entries = new List<JournalEntry>();
        while (cursor.TryRead(out var entry))
            entries.Add(entry);
        return (entries, cursor.Error, cursor.Incomplete);
    }

    public static List<ulong> Committed(IEnumerable<JournalEntry> entries) =>
        [.. entries.OfType<TransactionEntry>().Select(t => t.TransactionId)];
}
