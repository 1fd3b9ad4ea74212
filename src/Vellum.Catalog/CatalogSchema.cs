using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vellum.Catalog;

/// <summary>The catalog's tables (docs/catalog.md 2) and its <c>meta</c> keys.</summary>
internal static class CatalogSchema
{
    /// <summary>Bumped whenever a table or the meaning of a column changes: a catalog of another version is rebuilt.</summary>
    public const long Version = 4;

    public const string VersionKey = "schema_version";
    public const string JournalIdKey = "journal_id";
    public const string ResumePositionKey = "resume_position";
    public const string ResumeLastBegunKey = "resume_last_begun";
    public const string EndPositionKey = "end_position";
    public const string EndCrcKey = "end_crc";
    public const string NextObjectKey = "next_object";
    public const string BaselineCompleteKey = "baseline_complete";

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS transactions(txid INTEGER PRIMARY KEY, time INTEGER NOT NULL, position INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS entries(
            object INTEGER NOT NULL, txid INTEGER NOT NULL, seq INTEGER NOT NULL, op INTEGER NOT NULL, role INTEGER NOT NULL,
            path BLOB, path2 BLOB, size INTEGER, uid INTEGER NOT NULL, gid INTEGER NOT NULL, pid INTEGER NOT NULL, comm BLOB, time INTEGER NOT NULL,
            PRIMARY KEY(object, txid, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS names(parent INTEGER NOT NULL, name BLOB NOT NULL, object INTEGER NOT NULL, PRIMARY KEY(parent, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS inodes(inode INTEGER PRIMARY KEY, object INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS bindings(parent INTEGER NOT NULL, name BLOB NOT NULL, object INTEGER NOT NULL, bound INTEGER NOT NULL, unbound INTEGER,
            PRIMARY KEY(parent, name, bound)) WITHOUT ROWID;
        """;

    /// <summary>Built after a full build's rows are in (faster than keeping them up to date row by row).</summary>
    private const string Indexes = """
        CREATE INDEX IF NOT EXISTS entries_by_path ON entries(path);
        CREATE INDEX IF NOT EXISTS entries_by_path2 ON entries(path2) WHERE path2 IS NOT NULL;
        CREATE INDEX IF NOT EXISTS transactions_by_time ON transactions(time);
        """;

    public static void CreateTables(SqliteConnection connection) => Execute(connection, null, Tables);

    public static void CreateIndexes(SqliteConnection connection) => Execute(connection, null, Indexes);

    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static string? Read(SqliteConnection connection, SqliteTransaction? transaction, string key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM meta WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
    }

    public static long? ReadLong(SqliteConnection connection, SqliteTransaction? transaction, string key) =>
        Read(connection, transaction, key) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static void Write(SqliteConnection connection, SqliteTransaction? transaction, string key, string value)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)";
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }

    public static void WriteLong(SqliteConnection connection, SqliteTransaction? transaction, string key, long value) =>
        Write(connection, transaction, key, value.ToString(CultureInfo.InvariantCulture));
}
