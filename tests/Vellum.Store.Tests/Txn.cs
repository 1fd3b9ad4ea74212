using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Testing;

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

    /// <summary>The transaction as <paramref name="pieces"/> records (BEGIN first, END last) on <paramref name="stream"/>.</summary>
    public static List<byte[]> Records(ulong id, int dataLength = 150, int pieces = 1, ushort stream = Stream) =>
        SeededTransactions.Records(id, SeededTransactions.Payload(id, dataLength, $"/file-{id}"), pieces, stream);

    public static byte[] Single(ulong id, int dataLength = 150, ushort stream = Stream) => Records(id, dataLength, 1, stream)[0];

    /// <summary>Checks that the entry is transaction <paramref name="id"/> with exactly the content its id gives.</summary>
    public static void AssertIntact(TransactionEntry entry)
    {
        var operation = Assert.Single(entry.Operations);
        Assert.Equal($"/file-{entry.TransactionId}", Encoding.UTF8.GetString(operation.Path!));
        var data = operation.Redo!.Data!.Value.ToArray();
        Assert.Equal(SeededTransactions.Data(entry.TransactionId, data.Length), data);
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
