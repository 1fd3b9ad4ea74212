using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.Catalog;

/// <summary>
/// The catalog beside a store (STORE/catalog.sqlite, docs/catalog.md): which transactions
/// touched each file or directory, followed across renames and hard links, and when each
/// transaction took effect. Derived data: built from the journal when missing, of another
/// journal, stale (the store no longer holds the record it ends at) or damaged (SQLite reports
/// corruption), and otherwise brought up to date by reading only the store's bytes past the
/// position it recorded. Opening takes the catalog's lock and brings it up to date; the store
/// itself is only read (a live mount's up to its durable end).
/// </summary>
public sealed partial class StoreCatalog : IDisposable
{
    public const string FileName = "catalog.sqlite";

    private static readonly string[] SideSuffixes = ["-journal", "-wal", "-shm"];

    private readonly string _store;
    private readonly SafeFileHandle? _lock;
    private SqliteConnection _connection;

    private StoreCatalog(string store, SafeFileHandle? heldLock, string? notKept)
    {
        _store = store;
        _lock = heldLock;
        NotKeptBecause = notKept;
        _connection = null!;
    }

    /// <summary>Null when the catalog is kept in the store directory; otherwise why it was built in memory for this use only.</summary>
    public string? NotKeptBecause { get; }

    /// <summary>What opening did to bring the catalog up to date.</summary>
    public CatalogUpdate LastUpdate { get; private set; } = null!;

    /// <summary>The store's journal header (its first held segment's sync point).</summary>
    public JournalHeader Header { get; private set; } = null!;

    public string Path => System.IO.Path.Combine(_store, FileName);

    /// <summary>Opens (building or updating it) the catalog of the store in <paramref name="storeDirectory"/>.</summary>
    /// <exception cref="StoreDamagedException">The store has no readable first segment.</exception>
    public static StoreCatalog Open(string storeDirectory)
    {
        var heldLock = CatalogLock.TryTake(storeDirectory, out var why);
        var catalog = new StoreCatalog(storeDirectory, heldLock, heldLock is null ? why : null);
        try
        {
            catalog.Update();
            return catalog;
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary>Brings the catalog up to what the store holds now (a live mount's store: what is durable).</summary>
    public CatalogUpdate Update()
    {
        var watch = Stopwatch.StartNew();
        Header = ReadHeader(_store);
        string? rebuilt = null;
        CatalogUpdate update;
        try
        {
            rebuilt = OpenExisting();
            update = Index(watch, rebuilt);
        }
        catch (SqliteException error) when (IsDamage(error))
        {
            rebuilt = $"damaged: {error.Message}";
            Create();
            update = Index(watch, rebuilt);
        }
        LastUpdate = update;
        return update;
    }

    /// <summary>Every operation that touched what <paramref name="path"/> names now, or last named; oldest first.</summary>
    public HistoryAnswer History(string path, HistoryRange range)
    {
        var bytes = RelativePath(path);
        long? current = CatalogNamespace.RootObject;
        foreach (var name in PathComponents.Of(bytes))
        {
            using var step = Command("SELECT object FROM names WHERE parent = $p AND name = $n");
            step.Parameters.AddWithValue("$p", current!.Value);
            step.Parameters.AddWithValue("$n", Encoding.Latin1.GetBytes(name));
            current = step.ExecuteScalar() is long found ? found : null;
            if (current is null)
                break;
        }
        if (current is { } now)
        {
            // With --until before it existed, the path asked is the one of a file that had it then.
            var entries = Entries(now, range);
            if (entries.Count > 0 || range.ToTransaction == ulong.MaxValue && range.ToTime == long.MaxValue)
                return new HistoryAnswer(now, true, [], entries);
        }
        var candidates = Candidates(bytes, range, except: current);
        if (candidates.Count == 0)
            return new HistoryAnswer(current, current is not null, [], []);
        return new HistoryAnswer(candidates[0].Object, false, candidates[1..], Entries(candidates[0].Object, range));
    }

    /// <summary>Every operation (in <paramref name="range"/>) of what <paramref name="path"/> named after transaction <paramref name="id"/>, oldest first; null when it named nothing then.</summary>
    public HistoryAnswer? HistoryAt(string path, ulong id, HistoryRange range)
    {
        if (ObjectAt(path, id) is not { } then)
            return null;
        return new HistoryAnswer(then, ObjectAt(path, ulong.MaxValue) == then, [], Entries(then, range));
    }

    /// <summary>Objects that had <paramref name="path"/> up to the range's end, the one that had it last first (so --until picks an older one).</summary>
    private List<HistoryCandidate> Candidates(byte[] path, HistoryRange range, long? except)
    {
        using var had = Command("SELECT object, MAX(txid) FROM entries WHERE (path = $p OR path2 = $p) AND txid <= $t AND time <= $ts AND object != $x GROUP BY object ORDER BY MAX(txid) DESC");
        had.Parameters.AddWithValue("$p", path);
        had.Parameters.AddWithValue("$t", (long)Math.Min(range.ToTransaction, long.MaxValue));
        had.Parameters.AddWithValue("$ts", range.ToTime);
        had.Parameters.AddWithValue("$x", except ?? 0);
        var candidates = new List<HistoryCandidate>();
        using var reader = had.ExecuteReader();
        while (reader.Read())
            candidates.Add(new HistoryCandidate(reader.GetInt64(0), unchecked((ulong)reader.GetInt64(1))));
        return candidates;
    }

    /// <summary>The operations of one object (as <see cref="HistoryAnswer.Object"/> names it), oldest first.</summary>
    public IReadOnlyList<HistoryEntry> Entries(long obj, HistoryRange range)
    {
        using var query = Command("""
            SELECT txid, seq, op, role, path, path2, size, uid, gid, pid, time, comm FROM entries
            WHERE object = $o AND txid BETWEEN $f AND $t AND time BETWEEN $fs AND $ts ORDER BY txid, seq
            """);
        query.Parameters.AddWithValue("$o", obj);
        query.Parameters.AddWithValue("$f", (long)Math.Min(range.FromTransaction, long.MaxValue));
        query.Parameters.AddWithValue("$t", (long)Math.Min(range.ToTransaction, long.MaxValue));
        query.Parameters.AddWithValue("$fs", range.FromTime);
        query.Parameters.AddWithValue("$ts", range.ToTime);
        var entries = new List<HistoryEntry>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            var time = reader.GetInt64(10);
            entries.Add(new HistoryEntry(
                unchecked((ulong)reader.GetInt64(0)), reader.GetInt32(1), (SubRecordType)reader.GetInt32(2), (CatalogRole)reader.GetInt32(3),
                reader.IsDBNull(4) ? null : (byte[])reader[4], reader.IsDBNull(5) ? null : (byte[])reader[5],
                reader.IsDBNull(6) ? null : unchecked((ulong)reader.GetInt64(6)),
                (uint)reader.GetInt64(7), (uint)reader.GetInt64(8), (uint)reader.GetInt64(9), reader.IsDBNull(11) ? null : (byte[])reader[11],
                new JournalTimestamp(Math.DivRem(time, 1_000_000_000, out var nanos) - (nanos < 0 ? 1 : 0), (uint)(nanos < 0 ? nanos + 1_000_000_000 : nanos))));
        }
        return entries;
    }

    /// <summary>The last transaction whose operations took effect at or before <paramref name="nanoseconds"/> since the epoch, or null.</summary>
    public ulong? LastTransactionAtOrBefore(long nanoseconds)
    {
        using var query = Command("SELECT MAX(txid) FROM transactions WHERE time <= $t");
        query.Parameters.AddWithValue("$t", nanoseconds);
        return query.ExecuteScalar() is long id ? unchecked((ulong)id) : null;
    }

    /// <summary>A path as given (relative to the tree's root, with or without a leading '/', or absolute under the journal's backing directory) as journal bytes.</summary>
    private byte[] RelativePath(string path)
    {
        var root = Header.MountRoot.TrimEnd('/');
        if (root.Length > 0 && path.StartsWith(root + "/", StringComparison.Ordinal))
            path = path[(root.Length + 1)..];
        return Encoding.UTF8.GetBytes(path.Trim('/'));
    }

    /// <summary>Opens the catalog file as it is, or builds it afresh; returns why it was rebuilt, or null.</summary>
    private string? OpenExisting()
    {
        if (_lock is null)
        {
            Create();
            return "not kept";
        }
        if (!File.Exists(Path))
        {
            Create();
            return "missing";
        }
        _connection = Connect(Path);
        var version = CatalogSchema.ReadLong(_connection, null, CatalogSchema.VersionKey);
        var journal = CatalogSchema.Read(_connection, null, CatalogSchema.JournalIdKey);
        string? stale = null;
        if (version != CatalogSchema.Version)
            stale = $"stale: schema version {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {CatalogSchema.Version}";
        else if (journal != Header.JournalId.ToString())
            stale = $"stale: of journal {journal}, not {Header.JournalId}";
        else if (StaleBecause() is { } reason)
            stale = "stale: " + reason;
        if (stale is null)
            return null;
        Create();
        return stale;
    }

    /// <summary>Why the store no longer matches what the catalog indexed, or null.</summary>
    private string? StaleBecause()
    {
        if (CatalogSchema.ReadLong(_connection, null, CatalogSchema.EndPositionKey) is not { } end)
            return "its last build did not finish";
        var resume = CatalogSchema.ReadLong(_connection, null, CatalogSchema.ResumePositionKey) ?? 0;
        var files = StoreFiles.List(_store);
        if (files.Count == 0 || resume < files[0].Start)
            return $"the store no longer holds position {resume}";
        if (end <= files[0].Start)
            return null;
        var crc = CatalogSchema.ReadLong(_connection, null, CatalogSchema.EndCrcKey);
        return RecordEndingAt(end) is { } found && found == crc ? null : $"the store no longer holds the record the catalog ends at (position {end})";
    }

    /// <summary>The CRC32C of the record that ends at <paramref name="position"/>, from its trailer; null when no record ends there.</summary>
    private long? RecordEndingAt(long position)
    {
        if (StoreFiles.TryRead(_store, position - JournalFormat.TrailerSize, JournalFormat.TrailerSize) is not { } trailer)
            return null;
        if (BinaryPrimitives.ReadUInt16LittleEndian(trailer) != JournalFormat.EndMagic)
            return null;
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer.AsSpan(4));
    }

    /// <summary>A new, empty catalog (owner-only file, tables, this store's journal id).</summary>
    private void Create()
    {
        _connection?.Dispose();
        if (_lock is null)
        {
            _connection = Connect(":memory:");
        }
        else
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in SideSuffixes.Prepend(""))
                File.Delete(Path + suffix);
            // Created here, 0600 whatever the umask; SQLite gives its journal file the mode of the database file.
            OwnerOnly.CreateFile(Path).Dispose();
            _connection = Connect(Path);
        }
        CatalogSchema.CreateTables(_connection);
        CatalogSchema.WriteLong(_connection, null, CatalogSchema.VersionKey, CatalogSchema.Version);
        CatalogSchema.Write(_connection, null, CatalogSchema.JournalIdKey, Header.JournalId.ToString());
    }

    private CatalogUpdate Index(Stopwatch watch, string? rebuilt)
    {
        var files = StoreFiles.List(_store);
        var from = CatalogSchema.ReadLong(_connection, null, CatalogSchema.ResumePositionKey) ?? files[0].Start;
        var lastBegun = CatalogSchema.ReadLong(_connection, null, CatalogSchema.ResumeLastBegunKey) is { } begun and >= 0 ? (ulong?)begun : null;
        var limit = DurableEnd.Of(_store, Header.JournalId) ?? long.MaxValue;
        var fresh = rebuilt is not null;
        if (fresh)
            SetBulkMode(true);
        using var transaction = _connection.BeginTransaction();
        using var stream = new SegmentFilesStream(_store, from, limit);
        using var scanner = new JournalScanner(stream, leaveOpen: true, lastBegun is { } id ? new JournalResume(Header, id) : null);
        // Made only once there is something to index: a catalog already up to date answers without it.
        CatalogNamespace? tree = null;
        TransactionIndexer? indexer = null;
        var completed = new List<(ulong Id, long Begin)>();
        while (scanner.TryRead(out var entry))
        {
            if (entry is TransactionEntry committed)
            {
                indexer ??= new TransactionIndexer(_connection, transaction, tree = CatalogNamespace.Load(_connection, transaction));
                indexer.Add(committed, from + committed.BeginOffset);
                completed.Add((committed.TransactionId, from + committed.BeginOffset));
            }
        }
        var error = scanner.Error;
        var end = from + (error?.Offset ?? scanner.ZeroTailOffset ?? stream.BytesRead);
        string? damage = null;
        if (error is { Kind: JournalErrorKind.Corrupt })
            damage = $"{Place(files, end)}: damaged record: expected {error.Expected}, found {error.Found}";
        var (resume, resumeBegun) = NextResume(scanner, completed, end, from, lastBegun);
        tree?.Save();
        tree?.Dispose();
        var indexed = indexer?.Indexed ?? 0;
        indexer?.Dispose();
        if (end > from || fresh)
        {
            CatalogSchema.WriteLong(_connection, transaction, CatalogSchema.ResumePositionKey, resume);
            CatalogSchema.WriteLong(_connection, transaction, CatalogSchema.ResumeLastBegunKey, resumeBegun is { } b ? unchecked((long)b) : -1);
            CatalogSchema.WriteLong(_connection, transaction, CatalogSchema.EndPositionKey, end);
            CatalogSchema.WriteLong(_connection, transaction, CatalogSchema.EndCrcKey, end > files[0].Start ? RecordEndingAt(end) ?? -1 : -1);
        }
        transaction.Commit();
        if (fresh)
        {
            CatalogSchema.CreateIndexes(_connection);
            SetBulkMode(false);
        }
        return new CatalogUpdate(rebuilt, stream.BytesRead, indexed, watch.Elapsed, end, damage);
    }

    /// <summary>
    /// Where the next pass starts: after the last record read when no transaction was left
    /// open; otherwise at the BEGIN of the last completed transaction begun before the oldest
    /// open one (BEGINs lie in id order, so every open transaction begins after it), so the
    /// open ones are read whole next time. Transactions read twice are indexed once.
    /// </summary>
    private static (long Position, ulong? LastBegun) NextResume(JournalScanner scanner, List<(ulong Id, long Begin)> completed, long end, long from, ulong? lastBegun)
    {
        if (scanner.IncompleteTransactions.Count == 0)
            return (end, scanner.Header is null ? lastBegun : scanner.LastBegun);
        var oldestOpen = scanner.IncompleteTransactions.Min();
        (ulong Id, long Begin)? before = null;
        foreach (var done in completed)
        {
            if (done.Id < oldestOpen && (before is null || done.Id > before.Value.Id))
                before = done;
        }
        return before is { } start ? (start.Begin, start.Id - 1) : (from, lastBegun);
    }

    private static string Place(IReadOnlyList<(long Start, string Path)> files, long position)
    {
        var holding = files.LastOrDefault(file => file.Start <= position);
        return holding.Path is null ? $"store position {position}" : $"{holding.Path} at byte {position - holding.Start}";
    }

    /// <summary>A build from scratch writes without a rollback journal or syncs: a crash leaves a catalog without its end mark, or a damaged one, and either is rebuilt.</summary>
    private void SetBulkMode(bool bulk) =>
        CatalogSchema.Execute(_connection, null, bulk ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF" : "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL");

    private static JournalHeader ReadHeader(string store)
    {
        var files = StoreFiles.List(store);
        if (files.Count == 0)
            throw new StoreDamagedException($"no store at {store}: it holds no segment file", store, 0, 0);
        var first = new byte[Math.Min(new FileInfo(files[0].Path).Length, 16 * 1024)];
        using (var file = File.OpenHandle(files[0].Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            first = first[..RandomAccess.Read(file, first, 0)];
        return JournalScanner.ReadAll(first).Header
            ?? throw new StoreDamagedException($"{files[0].Path} at byte 0: no journal header (sync point)", files[0].Path, 0, files[0].Start);
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        connection.Open();
        // 64 MiB of page cache: an update looks up the objects of files all over the tree.
        CatalogSchema.Execute(connection, null, "PRAGMA cache_size=-65536");
        return connection;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static bool IsDamage(SqliteException error) => (error.SqliteErrorCode & 0xFF) is 11 or 26;

    public void Dispose()
    {
        _connection?.Dispose();
        _lock?.Dispose();
    }
}
