using System.Text;
using Microsoft.Data.Sqlite;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Catalog;

/// <summary>What the catalog knows of single transactions: their ids and times, and where each begins in the store, so that one can be read without reading the rest.</summary>
public sealed partial class StoreCatalog
{
    /// <summary>The last indexed transaction with an id at or below <paramref name="id"/>, with its time; null when there is none.</summary>
    public (ulong Id, JournalTimestamp Time)? TransactionAtOrBelow(ulong id)
    {
        using var query = Command("SELECT txid, time FROM transactions WHERE txid <= $t ORDER BY txid DESC LIMIT 1");
        query.Parameters.AddWithValue("$t", (long)Math.Min(id, long.MaxValue));
        using var reader = query.ExecuteReader();
        return reader.Read() ? (unchecked((ulong)reader.GetInt64(0)), Timestamp(reader.GetInt64(1))) : null;
    }

    /// <summary>The oldest transaction a state can be named at: the one that completed the baseline, else (a journal without one) the first indexed; null when there is none.</summary>
    public (ulong Id, JournalTimestamp Time)? OldestMoment()
    {
        if (CatalogSchema.ReadLong(_connection, null, CatalogSchema.BaselineCompleteKey) is { } complete)
            return TransactionAtOrBelow(unchecked((ulong)complete));
        if (Header.Version >= 3)
            return null;
        using var query = Command("SELECT MIN(txid) FROM transactions");
        return query.ExecuteScalar() is long first ? TransactionAtOrBelow(unchecked((ulong)first)) : null;
    }

    /// <summary>The newest indexed transaction; null when there is none.</summary>
    public (ulong Id, JournalTimestamp Time)? NewestMoment() => TransactionAtOrBelow(ulong.MaxValue);

    /// <summary>
    /// Reads one committed transaction from the store: from its BEGIN (the position the catalog
    /// recorded) until its END, skipping the records of others interleaved with it.
    /// </summary>
    /// <exception cref="StoreDamagedException">The transaction could not be read whole there.</exception>
    public TransactionEntry ReadTransaction(ulong id)
    {
        using var query = Command("SELECT position FROM transactions WHERE txid = $t");
        query.Parameters.AddWithValue("$t", unchecked((long)id));
        if (query.ExecuteScalar() is not long position)
            throw new Store.StoreDamagedException($"transaction {id} is not in the catalog of {_store}", _store, 0, 0);
        using var stream = new SegmentFilesStream(_store, position, long.MaxValue);
        using var scanner = new JournalScanner(stream, leaveOpen: true, new JournalResume(Header, id - 1));
        while (scanner.TryRead(out var entry))
        {
            if (entry is TransactionEntry { } found && found.TransactionId == id)
                return found;
        }
        var where = scanner.Error is { } error ? $": {error.Expected} expected, {error.Found} found at store position {position + error.Offset}" : "";
        throw new Store.StoreDamagedException($"transaction {id} cannot be read from store position {position}{where}", _store, position, position);
    }

    /// <summary>Every object an operation ever named by <paramref name="path"/> (as PATH or PATH2).</summary>
    public IReadOnlyList<long> ObjectsThatHad(string path)
    {
        using var query = Command("SELECT DISTINCT object FROM entries WHERE path = $p OR path2 = $p ORDER BY object");
        query.Parameters.AddWithValue("$p", RelativePath(path));
        var objects = new List<long>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            objects.Add(reader.GetInt64(0));
        return objects;
    }

    /// <summary>
    /// The object <paramref name="path"/> led to after transaction <paramref name="id"/>, name
    /// by name from the root through the names each directory held then (the <c>bindings</c>
    /// table), so also through a directory renamed since; null when it led to nothing.
    /// </summary>
    public long? ObjectAt(string path, ulong id)
    {
        using var query = Command("SELECT object FROM bindings WHERE parent = $p AND name = $n AND bound <= $t AND (unbound IS NULL OR unbound > $t)");
        var parent = query.Parameters.Add("$p", SqliteType.Integer);
        var name = query.Parameters.Add("$n", SqliteType.Blob);
        query.Parameters.AddWithValue("$t", unchecked((long)Math.Min(id, long.MaxValue)));
        long current = CatalogNamespace.RootObject;
        foreach (var component in PathComponents.Of(RelativePath(path)))
        {
            parent.Value = current;
            name.Value = System.Text.Encoding.Latin1.GetBytes(component);
            if (query.ExecuteScalar() is not long next)
                return null;
            current = next;
        }
        return current;
    }

    /// <summary>A path as given, relative to the tree's root, in the journal's bytes.</summary>
    public byte[] TreePath(string path) => RelativePath(path);

    internal static JournalTimestamp Timestamp(long nanoseconds) =>
        new(Math.DivRem(nanoseconds, 1_000_000_000, out var nanos) - (nanos < 0 ? 1 : 0), (uint)(nanos < 0 ? nanos + 1_000_000_000 : nanos));

    internal static string Text(byte[] path) => Encoding.UTF8.GetString(path);
}
