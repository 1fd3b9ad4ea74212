using System.Text;
using Microsoft.Data.Sqlite;
using Vellum.Journal.Operations;

namespace Vellum.Catalog;

/// <summary>
/// The tree as the indexed journal leaves it: each directory's names pointing at objects (a
/// file or directory across renames and hard links), and each live inode number's object, kept
/// in the catalog's <c>names</c> and <c>inodes</c> tables. While the catalog indexes, what it
/// looks up is cached here (absent ones too) and what it changes is written back at the end,
/// so a pass reads only the names its transactions touch, and a renamed directory moves its
/// whole subtree with one changed name. Names are Latin-1 strings, one char per byte, so that
/// names that are not UTF-8 stay exact.
/// </summary>
internal sealed class CatalogNamespace : IDisposable
{
    public const long RootObject = 1;

    private readonly Dictionary<(long Parent, string Name), long?> _names = [];
    private readonly Dictionary<ulong, long?> _inodes = [];
    private readonly HashSet<(long Parent, string Name)> _changedNames = [];
    private readonly HashSet<ulong> _changedInodes = [];
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteCommand _name;
    private readonly SqliteCommand _inode;
    private readonly SqliteCommand _bind;
    private readonly SqliteCommand _unbind;

    private CatalogNamespace(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
        _name = connection.CreateCommand();
        _name.Transaction = transaction;
        _name.CommandText = "SELECT object FROM names WHERE parent = $p AND name = $n";
        _name.Parameters.Add("$p", SqliteType.Integer);
        _name.Parameters.Add("$n", SqliteType.Blob);
        _inode = connection.CreateCommand();
        _inode.Transaction = transaction;
        _inode.CommandText = "SELECT object FROM inodes WHERE inode = $i";
        _inode.Parameters.Add("$i", SqliteType.Integer);
        _bind = connection.CreateCommand();
        _bind.Transaction = transaction;
        _bind.CommandText = "INSERT OR REPLACE INTO bindings(parent, name, object, bound, unbound) VALUES ($p, $n, $o, $t, NULL)";
        _bind.Parameters.Add("$p", SqliteType.Integer);
        _bind.Parameters.Add("$n", SqliteType.Blob);
        _bind.Parameters.Add("$o", SqliteType.Integer);
        _bind.Parameters.Add("$t", SqliteType.Integer);
        _unbind = connection.CreateCommand();
        _unbind.Transaction = transaction;
        _unbind.CommandText = "UPDATE bindings SET unbound = $t WHERE parent = $p AND name = $n AND unbound IS NULL";
        _unbind.Parameters.Add("$p", SqliteType.Integer);
        _unbind.Parameters.Add("$n", SqliteType.Blob);
        _unbind.Parameters.Add("$t", SqliteType.Integer);
    }

    /// <summary>The transaction whose operations move the tree now: the bindings it makes or ends carry its id.</summary>
    public long Transaction { get; set; }

    public long NextObject { get; private set; } = RootObject + 1;

    public static CatalogNamespace Load(SqliteConnection connection, SqliteTransaction transaction) =>
        new(connection, transaction) { NextObject = CatalogSchema.ReadLong(connection, transaction, CatalogSchema.NextObjectKey) ?? RootObject + 1 };

    public long NewObject() => NextObject++;

    /// <summary>The object a path names now, or null.</summary>
    public long? At(byte[]? path)
    {
        if (path is null)
            return null;
        var current = RootObject;
        foreach (var name in PathComponents.Of(path))
        {
            if (Lookup(current, name) is not { } next)
                return null;
            current = next;
        }
        return current;
    }

    public long? OfInode(ulong? inode)
    {
        if (inode is not { } number)
            return null;
        if (_inodes.TryGetValue(number, out var cached))
            return cached;
        _inode.Parameters[0].Value = unchecked((long)number);
        return _inodes[number] = _inode.ExecuteScalar() is long found ? found : null;
    }

    private long? Lookup(long parent, string name)
    {
        if (_names.TryGetValue((parent, name), out var cached))
            return cached;
        _name.Parameters[0].Value = parent;
        _name.Parameters[1].Value = Encoding.Latin1.GetBytes(name);
        return _names[(parent, name)] = _name.ExecuteScalar() is long found ? found : null;
    }

    public void SetInode(ulong? inode, long obj)
    {
        if (inode is not { } number)
            return;
        _inodes[number] = obj;
        _changedInodes.Add(number);
    }

    /// <summary>Makes <paramref name="path"/> name <paramref name="obj"/> (replacing what it named); false when its directory is unknown.</summary>
    public bool Bind(byte[] path, long obj)
    {
        if (!TryParent(path, out var key))
            return false;
        var before = Lookup(key.Parent, key.Name);
        if (before == obj)
            return true;
        if (before is not null)
            EndBinding(key);
        _bind.Parameters[0].Value = key.Parent;
        _bind.Parameters[1].Value = Encoding.Latin1.GetBytes(key.Name);
        _bind.Parameters[2].Value = obj;
        _bind.Parameters[3].Value = Transaction;
        _bind.ExecuteNonQuery();
        _names[key] = obj;
        _changedNames.Add(key);
        return true;
    }

    public void Unbind(byte[] path)
    {
        if (TryParent(path, out var key) && Lookup(key.Parent, key.Name) is not null)
        {
            EndBinding(key);
            _names[key] = null;
            _changedNames.Add(key);
        }
    }

    /// <summary>Records that the name <paramref name="key"/> stops leading to its object with <see cref="Transaction"/>.</summary>
    private void EndBinding((long Parent, string Name) key)
    {
        _unbind.Parameters[0].Value = key.Parent;
        _unbind.Parameters[1].Value = Encoding.Latin1.GetBytes(key.Name);
        _unbind.Parameters[2].Value = Transaction;
        _unbind.ExecuteNonQuery();
    }

    /// <summary>Writes the names and inodes changed since loading.</summary>
    public void Save()
    {
        var connection = _connection;
        var transaction = _transaction;
        using var put = connection.CreateCommand();
        put.Transaction = transaction;
        put.CommandText = "INSERT OR REPLACE INTO names(parent, name, object) VALUES ($p, $n, $o)";
        var parent = put.Parameters.Add("$p", SqliteType.Integer);
        var name = put.Parameters.Add("$n", SqliteType.Blob);
        var obj = put.Parameters.Add("$o", SqliteType.Integer);
        using var remove = connection.CreateCommand();
        remove.Transaction = transaction;
        remove.CommandText = "DELETE FROM names WHERE parent = $p AND name = $n";
        var removeParent = remove.Parameters.Add("$p", SqliteType.Integer);
        var removeName = remove.Parameters.Add("$n", SqliteType.Blob);
        foreach (var key in _changedNames)
        {
            var bytes = Encoding.Latin1.GetBytes(key.Name);
            if (_names[key] is { } target)
            {
                parent.Value = key.Parent;
                name.Value = bytes;
                obj.Value = target;
                put.ExecuteNonQuery();
            }
            else
            {
                removeParent.Value = key.Parent;
                removeName.Value = bytes;
                remove.ExecuteNonQuery();
            }
        }
        using var inode = connection.CreateCommand();
        inode.Transaction = transaction;
        inode.CommandText = "INSERT OR REPLACE INTO inodes(inode, object) VALUES ($i, $o)";
        var number = inode.Parameters.Add("$i", SqliteType.Integer);
        var inodeObject = inode.Parameters.Add("$o", SqliteType.Integer);
        foreach (var key in _changedInodes)
        {
            number.Value = unchecked((long)key);
            inodeObject.Value = _inodes[key]!.Value;
            inode.ExecuteNonQuery();
        }
        CatalogSchema.WriteLong(connection, transaction, CatalogSchema.NextObjectKey, NextObject);
        _changedNames.Clear();
        _changedInodes.Clear();
    }

    private bool TryParent(byte[] path, out (long Parent, string Name) key)
    {
        var names = PathComponents.Of(path);
        key = default;
        if (names.Count == 0)
            return false;
        var current = RootObject;
        for (var i = 0; i < names.Count - 1; i++)
        {
            if (Lookup(current, names[i]) is not { } next)
                return false;
            current = next;
        }
        key = (current, names[^1]);
        return true;
    }

    public void Dispose()
    {
        _name.Dispose();
        _inode.Dispose();
        _bind.Dispose();
        _unbind.Dispose();
    }
}
