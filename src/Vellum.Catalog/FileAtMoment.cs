using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Catalog;

/// <summary>
/// One file as it was at a transaction, from the catalog and only that file's transactions
/// (docs/time-travel.md, `vellum cat`): which object the path named then (following the
/// object's own names: creates, links, renames, unlinks, the baseline's), and its content
/// rebuilt by applying, in id order, the writes, truncates, fallocates and baseline data of
/// the transactions that touched it, read one by one at the store positions the catalog keeps.
/// </summary>
public sealed class FileAtMoment
{
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint RegularType = 0x8000;

    private readonly StoreCatalog _catalog;
    private readonly long _object;
    private readonly IReadOnlyList<HistoryEntry> _entries;

    private FileAtMoment(StoreCatalog catalog, long obj, IReadOnlyList<HistoryEntry> entries)
    {
        _catalog = catalog;
        _object = obj;
        _entries = entries;
    }

    /// <summary>The spans of transactions during which some object had the path: from the one that gave it to the one that took it away (null: it has it still).</summary>
    public sealed record Span(ulong From, JournalTimestamp FromTime, ulong? Until, JournalTimestamp? UntilTime);

    /// <summary>The file <paramref name="path"/> named after transaction <paramref name="id"/>, or null with the spans in which it named something.</summary>
    public static FileAtMoment? Find(StoreCatalog catalog, string path, ulong id, out IReadOnlyList<Span> existed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var wanted = StoreCatalog.Text(catalog.TreePath(path));
        var spans = new List<Span>();
        if (catalog.ObjectAt(path, id) is { } named)
        {
            existed = [];
            return new FileAtMoment(catalog, named, catalog.Entries(named, new HistoryRange(ToTransaction: id)));
        }
        // For the refusal: when something had the name, by the operations that named it so.
        foreach (var obj in catalog.ObjectsThatHad(path))
            spans.AddRange(Spans(catalog.Entries(obj, HistoryRange.All), wanted));
        existed = [.. spans.OrderBy(span => span.From)];
        return null;
    }

    /// <summary>When the object of <paramref name="entries"/> had the name <paramref name="path"/>, by its own operations.</summary>
    private static IEnumerable<Span> Spans(IReadOnlyList<HistoryEntry> entries, string path)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        HistoryEntry? since = null;
        foreach (var entry in entries)
        {
            var had = names.Contains(path);
            Apply(names, entry);
            var has = names.Contains(path);
            if (!had && has)
                since = entry;
            else if (had && !has && since is not null)
            {
                yield return new Span(since.TransactionId, since.Time, entry.TransactionId, entry.Time);
                since = null;
            }
        }
        if (since is not null)
            yield return new Span(since.TransactionId, since.Time, null, null);
    }

    private static void Apply(HashSet<string> names, HistoryEntry entry)
    {
        var path = entry.Path is { } p ? StoreCatalog.Text(p) : null;
        var path2 = entry.Path2 is { } q ? StoreCatalog.Text(q) : null;
        FollowAncestorRename(names, entry, entry.Role is CatalogRole.Exchanged or CatalogRole.Replaced ? path2 : path);
        switch (entry.Operation, entry.Role)
        {
            case (SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink, _) when path is not null:
                names.Add(path);
                break;
            case (SubRecordType.Link, _) when path2 is not null:
                names.Add(path2);
                break;
            case (SubRecordType.Unlink or SubRecordType.Rmdir, _) when path is not null:
                names.Remove(path);
                break;
            case (SubRecordType.Rename, CatalogRole.Target) when path is not null && path2 is not null:
                names.Remove(path);
                names.Add(path2);
                break;
            case (SubRecordType.Rename, CatalogRole.Exchanged) when path is not null && path2 is not null:
                names.Remove(path2);
                names.Add(path);
                break;
            case (SubRecordType.Rename, CatalogRole.Replaced) when path2 is not null:
                names.Remove(path2);
                break;
            case (SubRecordType.Baseline, CatalogRole.Removed) when path is not null:
                names.Remove(path);
                break;
            case (SubRecordType.Baseline, CatalogRole.Target) when path is { Length: > 0 }:
                names.Add(path);
                break;
        }
    }

    /// <summary>
    /// A directory above the object renamed leaves no entry of its own: an operation that reached
    /// the object by a name it did not have shows the new one. With one name the object had, that
    /// name is the one that changed; with several (hard links) which one cannot be told, and they stay.
    /// </summary>
    private static void FollowAncestorRename(HashSet<string> names, HistoryEntry entry, string? reachedBy)
    {
        if (reachedBy is null || names.Count != 1 || names.Contains(reachedBy)
            || entry.Operation is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink or SubRecordType.Baseline)
            return;
        names.Clear();
        names.Add(reachedBy);
    }

    /// <summary>The transactions read to rebuild the content (after <see cref="WriteContent"/>).</summary>
    public int TransactionsRead { get; private set; }

    /// <summary>
    /// Writes the file's content into <paramref name="output"/> (an empty, seekable, sparse
    /// file: holes stay holes and read as zeros).
    /// </summary>
    /// <exception cref="NotAFileException">The path named a directory, symlink or device then.</exception>
    /// <exception cref="Store.StoreDamagedException">A transaction could not be read.</exception>
    public void WriteContent(SafeFileHandle output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_object == CatalogNamespace.RootObject)
            throw new NotAFileException("directory");
        var fd = (int)output.DangerousGetHandle();
        foreach (var group in _entries.Where(entry => entry.Role == CatalogRole.Target).GroupBy(entry => entry.TransactionId))
        {
            var kinds = group.Select(entry => entry.Operation).ToHashSet();
            if (kinds.Overlaps([SubRecordType.Mkdir, SubRecordType.Rmdir]))
                throw new NotAFileException("directory");
            if (kinds.Contains(SubRecordType.Symlink))
                throw new NotAFileException("symbolic link");
            if (kinds.Contains(SubRecordType.Mknod))
                throw new NotAFileException("device node, FIFO or socket");
            if (!kinds.Overlaps([SubRecordType.Write, SubRecordType.Truncate, SubRecordType.SetAttr, SubRecordType.Fallocate, SubRecordType.Baseline]))
                continue;
            var transaction = _catalog.ReadTransaction(group.Key);
            TransactionsRead++;
            foreach (var entry in group)
            {
                if (entry.Sequence < transaction.Operations.Count)
                    Apply(fd, transaction.Operations[entry.Sequence], group.Key);
            }
        }
    }

    private static void Apply(int fd, JournalOperation operation, ulong id)
    {
        var redo = operation.Redo;
        switch (operation.Kind)
        {
            case SubRecordType.Write when redo?.Offset is { } offset && redo.Data is { } data:
                Check(LibC.PWrite(fd, data.Span, (long)offset) == data.Length, id);
                break;
            case SubRecordType.Truncate or SubRecordType.SetAttr when redo?.Attributes?.Size is { } size:
                Check(LibC.FTruncate(fd, (long)size) == 0, id);
                break;
            case SubRecordType.Fallocate when redo?.Offset is { } offset && redo.Length is { } length:
                Check(LibC.FAllocate(fd, (int)(redo.Flags ?? 0), (long)offset, (long)length) == 0, id);
                break;
            case SubRecordType.Baseline when redo is not null:
                Baseline(fd, redo, id);
                break;
        }
    }

    private static void Baseline(int fd, OperationState redo, ulong id)
    {
        var flags = (BaselineFlags)(redo.Flags ?? 0);
        if (redo.Attributes?.Mode is { } mode && (mode & TypeMask) is not RegularType and not 0)
            throw new NotAFileException((mode & TypeMask) == DirectoryType ? "directory" : "not a regular file");
        if (flags.HasFlag(BaselineFlags.Reset) && redo.Attributes?.Size is { } size)
            Check(LibC.FTruncate(fd, 0) == 0 && LibC.FTruncate(fd, (long)size) == 0, id);
        if (flags.HasFlag(BaselineFlags.Data) && redo.Offset is { } offset && redo.Data is { } data)
            Check(LibC.PWrite(fd, data.Span, (long)offset) == data.Length, id);
    }

    private static void Check(bool done, ulong id)
    {
        if (!done)
            throw new IOException($"applying transaction {id} to the rebuilt file failed: {LibC.LastError().Text}");
    }

    /// <summary>The object the catalog follows (as history names it).</summary>
    public long Object => _object;
}

/// <summary>The path named something other than a regular file at the moment.</summary>
public sealed class NotAFileException(string what) : Exception($"it was a {what}")
{
    public string What { get; } = what;
}
