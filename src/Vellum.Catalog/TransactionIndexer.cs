using Microsoft.Data.Sqlite;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Catalog;

/// <summary>
/// Turns committed transactions into catalog rows: each operation is attributed to the object
/// it touched, found by the identity the journal gives (RESULT / INODE) or by the name it had
/// then, and the tree (<see cref="CatalogNamespace"/>) is moved along, so that an object keeps
/// its id across renames (its own or a directory's above it) and hard links.
/// </summary>
internal sealed class TransactionIndexer : IDisposable
{
    private const uint RenameExchange = 2;

    private readonly CatalogNamespace _tree;
    private readonly SqliteCommand _known;
    private readonly SqliteCommand _transaction;
    private readonly SqliteCommand _entry;
    private readonly SqliteParameter _knownId;
    private readonly SqliteParameter _txid;
    private readonly SqliteParameter _txTime;
    private readonly SqliteParameter _txPosition;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _sqlTransaction;
    private readonly SqliteParameter[] _entryValues;

    public TransactionIndexer(SqliteConnection connection, SqliteTransaction transaction, CatalogNamespace tree)
    {
        _tree = tree;
        _connection = connection;
        _sqlTransaction = transaction;
        _known = Command(connection, transaction, "SELECT 1 FROM transactions WHERE txid = $t");
        _knownId = _known.Parameters.Add("$t", SqliteType.Integer);
        _transaction = Command(connection, transaction, "INSERT INTO transactions(txid, time, position) VALUES ($t, $time, $pos)");
        _txid = _transaction.Parameters.Add("$t", SqliteType.Integer);
        _txTime = _transaction.Parameters.Add("$time", SqliteType.Integer);
        _txPosition = _transaction.Parameters.Add("$pos", SqliteType.Integer);
        _entry = Command(connection, transaction, "INSERT OR REPLACE INTO entries(object, txid, seq, op, role, path, path2, size, uid, gid, pid, time, comm, offset, length, flags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)");
        _entryValues = [.. Enumerable.Range(1, 16).Select(i => _entry.Parameters.Add("$" + i, i == 13 ? SqliteType.Blob : SqliteType.Integer))];
        _entryValues[5].SqliteType = SqliteType.Blob;
        _entryValues[6].SqliteType = SqliteType.Blob;
    }

    public long Indexed { get; private set; }

    /// <summary>Indexes <paramref name="entry"/>, whose BEGIN lies at store position <paramref name="position"/>, unless an earlier pass did (a pass may start before transactions it indexed).</summary>
    public void Add(TransactionEntry entry, long position)
    {
        var id = unchecked((long)entry.TransactionId);
        _knownId.Value = id;
        if (_known.ExecuteScalar() is not null)
            return;
        _txid.Value = id;
        _txTime.Value = entry.Operations.Count == 0 ? 0 : Nanoseconds(entry.Operations[0].Time);
        _txPosition.Value = position;
        _transaction.ExecuteNonQuery();
        if (entry.Operations.Any(CompletesBaseline) && CatalogSchema.ReadLong(_connection, _sqlTransaction, CatalogSchema.BaselineCompleteKey) is null)
            CatalogSchema.WriteLong(_connection, _sqlTransaction, CatalogSchema.BaselineCompleteKey, id);
        _tree.Transaction = id;
        for (var seq = 0; seq < entry.Operations.Count; seq++)
            Index(id, seq, entry.Operations[seq]);
        Indexed++;
    }

    private void Index(long txid, int seq, JournalOperation operation)
    {
        var path = operation.Path;
        var resultInode = operation.Result?.Inode;
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink:
            {
                var created = _tree.NewObject();
                if (path is not null)
                    _tree.Bind(path, created);
                _tree.SetInode(resultInode, created);
                Write(created, txid, seq, operation, CatalogRole.Target);
                break;
            }
            case SubRecordType.Link:
            {
                var linked = Existing(operation.Inode ?? resultInode, path);
                if (operation.Path2 is not null)
                    _tree.Bind(operation.Path2, linked);
                Write(linked, txid, seq, operation, CatalogRole.Target);
                break;
            }
            case SubRecordType.Unlink or SubRecordType.Rmdir:
            {
                var removed = _tree.At(path) ?? Existing(operation.Inode, path);
                if (path is not null)
                    _tree.Unbind(path);
                Write(removed, txid, seq, operation, CatalogRole.Target);
                break;
            }
            case SubRecordType.Rename:
                Rename(txid, seq, operation);
                break;
            case SubRecordType.Baseline:
                Baseline(txid, seq, operation);
                break;
            case SubRecordType.Checkpoint or SubRecordType.Snapshot:
                break;
            default:
                Write(Existing(resultInode ?? operation.Inode, path), txid, seq, operation, CatalogRole.Target);
                break;
        }
    }

    private void Rename(long txid, int seq, JournalOperation operation)
    {
        var from = operation.Path;
        var to = operation.Path2;
        var moved = _tree.At(from) ?? Existing(operation.Inode ?? operation.Result?.Inode, from);
        var there = _tree.At(to);
        if (from is not null && to is not null)
        {
            if (((operation.Redo?.Flags ?? 0) & RenameExchange) != 0 && there is { } other)
            {
                _tree.Bind(from, other);
                _tree.Bind(to, moved);
                Write(moved, txid, seq, operation, CatalogRole.Target);
                Write(other, txid, seq, operation, CatalogRole.Exchanged);
                return;
            }
            _tree.Unbind(from);
            _tree.Bind(to, moved);
        }
        Write(moved, txid, seq, operation, CatalogRole.Target);
        if (there is { } replaced && replaced != moved)
            Write(replaced, txid, seq, operation, CatalogRole.Replaced);
    }

    private void Baseline(long txid, int seq, JournalOperation operation)
    {
        var flags = (BaselineFlags)(operation.Redo?.Flags ?? 0);
        var path = operation.Path;
        if (path is null)
            return;
        var isRoot = PathComponents.Of(path).Count == 0;
        if ((flags & BaselineFlags.Remove) != 0 && !isRoot)
        {
            if (_tree.At(path) is { } gone)
                Write(gone, txid, seq, operation, CatalogRole.Removed);
            _tree.Unbind(path);
            // A name found gone (the check after an unclean stop): nothing is established
            // there; binding an object to it would bring the name back as an unseen file.
            if ((flags & BaselineFlags.Name) == 0)
                return;
        }
        long target;
        if (isRoot)
        {
            target = CatalogNamespace.RootObject;
        }
        else if ((flags & BaselineFlags.Name) != 0 && operation.Path2 is { } linkTo)
        {
            target = _tree.At(linkTo) ?? Existing(operation.Inode, linkTo);
            _tree.Bind(path, target);
        }
        else if ((flags & BaselineFlags.Name) != 0)
        {
            // The same node kept its name when the name still leads to this inode's object;
            // otherwise the name now holds another node (or a new one).
            var named = _tree.At(path);
            target = named is { } same && _tree.OfInode(operation.Inode) == same ? same : _tree.NewObject();
            _tree.Bind(path, target);
        }
        else
        {
            target = _tree.At(path) ?? Existing(operation.Inode, path);
        }
        _tree.SetInode(operation.Inode, target);
        Write(target, txid, seq, operation, CatalogRole.Target);
    }

    /// <summary>The object of an inode, else of a path; a new one bound there when the journal never showed it (a journal without a baseline).</summary>
    private long Existing(ulong? inode, byte[]? path)
    {
        if (_tree.OfInode(inode) is { } byInode)
            return byInode;
        if (_tree.At(path) is { } byPath)
        {
            _tree.SetInode(inode, byPath);
            return byPath;
        }
        var unseen = _tree.NewObject();
        if (path is not null)
            _tree.Bind(path, unseen);
        _tree.SetInode(inode, unseen);
        return unseen;
    }

    private void Write(long obj, long txid, int seq, JournalOperation operation, CatalogRole role)
    {
        var values = _entryValues;
        values[0].Value = obj;
        values[1].Value = txid;
        values[2].Value = seq;
        values[3].Value = (int)operation.Kind;
        values[4].Value = (int)role;
        values[5].Value = (object?)operation.Path ?? DBNull.Value;
        values[6].Value = (object?)operation.Path2 ?? DBNull.Value;
        values[7].Value = SizeAfter(operation) is { } size ? unchecked((long)size) : DBNull.Value;
        values[8].Value = (long)operation.Credentials.Uid;
        values[9].Value = (long)operation.Credentials.Gid;
        values[10].Value = (long)operation.Credentials.Pid;
        values[11].Value = Nanoseconds(operation.Time);
        values[12].Value = (object?)operation.Credentials.Command ?? DBNull.Value;
        var (offset, length) = Extent(operation);
        values[13].Value = offset is { } at ? unchecked((long)at) : DBNull.Value;
        values[14].Value = length is { } bytes ? unchecked((long)bytes) : DBNull.Value;
        values[15].Value = operation.Redo?.Flags is { } flags ? (long)flags : DBNull.Value;
        _entry.ExecuteNonQuery();
    }

    /// <summary>
    /// The byte range an operation wrote (a write's, a baseline's DATA) or allocated (fallocate):
    /// a restore resolves from them which written bytes survive to a moment before reading any.
    /// </summary>
    private static (ulong? Offset, ulong? Length) Extent(JournalOperation operation) => operation.Kind switch
    {
        SubRecordType.Write or SubRecordType.Baseline when operation.Redo is { Offset: { } offset, Data: { } data } => (offset, (ulong)data.Length),
        SubRecordType.Fallocate when operation.Redo is { Offset: { } offset, Length: { } length } => (offset, length),
        _ => (null, null),
    };

    private static bool CompletesBaseline(JournalOperation operation) =>
        operation.Kind == SubRecordType.Baseline && ((BaselineFlags)(operation.Redo?.Flags ?? 0) & BaselineFlags.Complete) != 0;

    private static ulong? SizeAfter(JournalOperation operation) =>
        operation.Result?.Attributes?.Size
        ?? (operation.Kind == SubRecordType.Baseline && ((BaselineFlags)(operation.Redo?.Flags ?? 0) & BaselineFlags.Reset) != 0 ? operation.Redo?.Attributes?.Size : null);

    public static long Nanoseconds(JournalTimestamp time) => time.Seconds * 1_000_000_000 + time.Nanoseconds;

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public void Dispose()
    {
        _known.Dispose();
        _transaction.Dispose();
        _entry.Dispose();
    }
}
