using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Catalog;

/// <summary>
/// What a restore asks of the catalog (docs/time-travel.md 6): every operation up to a moment
/// with the byte ranges it wrote, the transactions with their store positions, and the
/// transactions it needs read from the store, skipping the store's bytes between them.
/// </summary>
public sealed partial class StoreCatalog
{
    /// <summary>
    /// Reading on past the last wanted transaction costs less than starting a scan again this
    /// close to the next one: the scanner reads 64 KiB at a time.
    /// </summary>
    private const long ReadThroughGap = 64 * 1024;

    /// <summary>The store directory the catalog indexes.</summary>
    public string StoreDirectory => _store;

    /// <summary>
    /// Every indexed operation of a transaction up to <paramref name="id"/>, in the catalog's
    /// order (by object, then transaction and sequence). Paths are given only for operations that
    /// change names (the rest name their object by it, which a restore does not need).
    /// </summary>
    public IReadOnlyList<CatalogOperation> OperationsThrough(ulong id)
    {
        using var query = Command("""
            SELECT object, txid, seq, op, role,
                   CASE WHEN op IN ($write, $truncate, $setattr, $fallocate, $setxattr, $removexattr, $fsync) THEN NULL ELSE path END,
                   CASE WHEN op IN ($write, $truncate, $setattr, $fallocate, $setxattr, $removexattr, $fsync) THEN NULL ELSE path2 END,
                   size, offset, length, flags
            FROM entries WHERE txid <= $t
            """);
        query.Parameters.AddWithValue("$t", (long)Math.Min(id, long.MaxValue));
        foreach (var (name, kind) in new[]
        {
            ("$write", SubRecordType.Write), ("$truncate", SubRecordType.Truncate), ("$setattr", SubRecordType.SetAttr), ("$fallocate", SubRecordType.Fallocate),
            ("$setxattr", SubRecordType.SetXattr), ("$removexattr", SubRecordType.RemoveXattr), ("$fsync", SubRecordType.Fsync),
        })
            query.Parameters.AddWithValue(name, (int)kind);
        var operations = new List<CatalogOperation>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            operations.Add(new CatalogOperation(
                reader.GetInt64(0), unchecked((ulong)reader.GetInt64(1)), reader.GetInt32(2), (SubRecordType)reader.GetInt32(3), (CatalogRole)reader.GetInt32(4),
                reader.IsDBNull(5) ? null : (byte[])reader[5], reader.IsDBNull(6) ? null : (byte[])reader[6],
                Optional(reader, 7), Optional(reader, 8), Optional(reader, 9), reader.IsDBNull(10) ? null : (uint)reader.GetInt64(10)));
        }
        return operations;
    }

    /// <summary>Every indexed transaction up to <paramref name="id"/>, in id order: its time and the store position of its BEGIN.</summary>
    public IReadOnlyList<CatalogTransaction> TransactionsThrough(ulong id)
    {
        using var query = Command("SELECT txid, time, position FROM transactions WHERE txid <= $t ORDER BY txid");
        query.Parameters.AddWithValue("$t", (long)Math.Min(id, long.MaxValue));
        var transactions = new List<CatalogTransaction>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            transactions.Add(new CatalogTransaction(unchecked((ulong)reader.GetInt64(0)), Timestamp(reader.GetInt64(1)), reader.GetInt64(2)));
        return transactions;
    }

    /// <summary>Every path (PATH or PATH2) an indexed operation of transactions <paramref name="from"/> to <paramref name="to"/> named.</summary>
    public IReadOnlyList<byte[]> PathsTouched(ulong from, ulong to)
    {
        using var query = Command("SELECT path FROM entries WHERE txid BETWEEN $f AND $t AND path IS NOT NULL UNION SELECT path2 FROM entries WHERE txid BETWEEN $f AND $t AND path2 IS NOT NULL");
        query.Parameters.AddWithValue("$f", (long)Math.Min(from, long.MaxValue));
        query.Parameters.AddWithValue("$t", (long)Math.Min(to, long.MaxValue));
        var paths = new List<byte[]>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            paths.Add((byte[])reader[0]);
        return paths;
    }

    /// <summary>
    /// Reads the <paramref name="wanted"/> transactions (in id order, so in the order their
    /// BEGINs lie in the store) and hands them out in that order: the store is read from the
    /// first one's BEGIN on, and where the next wanted BEGIN lies more than 64 KiB past what was
    /// read and nothing wanted is still open, the reading starts again there, so the bytes
    /// between (the transactions nobody needs) are never read.
    /// </summary>
    /// <exception cref="StoreDamagedException">A wanted transaction could not be read; names the segment file and offset.</exception>
    public IEnumerable<TransactionEntry> ReadTransactions(IReadOnlyList<CatalogTransaction> wanted, CancellationToken cancellation = default)
    {
        var ids = new HashSet<ulong>(wanted.Select(transaction => transaction.Id));
        var held = new Dictionary<ulong, TransactionEntry>();
        var next = 0;
        if (wanted.Count == 0)
            yield break;
        using var stream = new SegmentFilesStream(_store, wanted[0].Position, long.MaxValue);
        while (next < wanted.Count)
        {
            var start = wanted[next];
            stream.MoveTo(start.Position);
            using var scanner = new JournalScanner(stream, leaveOpen: true, new JournalResume(Header, start.Id - 1));
            var jump = false;
            while (!jump && scanner.TryRead(out var entry))
            {
                cancellation.ThrowIfCancellationRequested();
                if (entry is TransactionEntry transaction && ids.Contains(transaction.TransactionId))
                    held.TryAdd(transaction.TransactionId, transaction);
                while (next < wanted.Count && held.Remove(wanted[next].Id, out var ready))
                {
                    yield return ready;
                    next++;
                }
                jump = next == wanted.Count || wanted[next].Position > stream.Position + ReadThroughGap;
            }
            if (!jump && next < wanted.Count)
                throw Unreadable(wanted[next], start.Position, scanner.Error);
        }
    }

    private StoreDamagedException Unreadable(CatalogTransaction transaction, long from, JournalError? error)
    {
        var position = error is { } e ? from + e.Offset : transaction.Position;
        var holding = StoreFiles.List(_store).LastOrDefault(file => file.Start <= position);
        var why = error is { } damage ? $"expected {damage.Expected}, found {damage.Found}" : "the store ends before it does";
        return holding.Path is null
            ? new StoreDamagedException($"transaction {transaction.Id} cannot be read at store position {position}: {why}", _store, position, position)
            : new StoreDamagedException($"transaction {transaction.Id} cannot be read: {why}", holding.Path, position - holding.Start, position);
    }

    private static ulong? Optional(Microsoft.Data.Sqlite.SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : unchecked((ulong)reader.GetInt64(column));
}

/// <summary>One operation's row in the catalog (docs/catalog.md 2): the object, where the operation sits, what it did, and the bytes it wrote or the size it left.</summary>
public sealed record CatalogOperation(
    long Object,
    ulong TransactionId,
    int Sequence,
    SubRecordType Operation,
    CatalogRole Role,
    byte[]? Path,
    byte[]? Path2,
    ulong? SizeAfter,
    ulong? Offset,
    ulong? Length,
    uint? Flags);

/// <summary>A committed transaction: its id, its first operation's time and the store position of its BEGIN.</summary>
public readonly record struct CatalogTransaction(ulong Id, JournalTimestamp Time, long Position);
