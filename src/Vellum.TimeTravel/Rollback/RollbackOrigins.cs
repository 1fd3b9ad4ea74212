using System.Text;
using Vellum.Journal.Format;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// Which live names hold a file that had another name at the moment, from the journal's
/// namespace operations after it (renames, links, creates, removals): a file renamed since
/// (ransomware's `report.odt` → `report.odt.locked`) can be renamed back and rewritten in
/// place instead of removed and made again, so no inode is freed and none allocated. Only an
/// economy: whatever it says, the applier gives the name the past's bytes and attributes and
/// the comparison after the rollback checks them. It gives up (says nothing) where following
/// names gets uncertain: a directory of the moment renamed, a rename exchanging two names, a
/// baseline re-recorded after an unclean stop, damage. It also tells which files' xattrs may
/// have changed since the moment (a setxattr or removexattr on them): the others need not be
/// read back before the rollback sets them.
/// </summary>
internal sealed class RollbackOrigins
{
    private RollbackOrigins(Dictionary<string, string> pastNames, HashSet<string> xattrsChanged)
    {
        PastNames = pastNames;
        XattrsChanged = xattrsChanged;
    }

    /// <summary>Live names (relative to the subpath, or the tree's root) → the name (relative to the same) their file had at the moment, where they differ.</summary>
    public IReadOnlyDictionary<string, string> PastNames { get; }

    /// <summary>Past names (relative to the same) of the files whose xattrs were changed after the moment.</summary>
    public IReadOnlySet<string> XattrsChanged { get; }

    private static readonly RollbackOrigins Unknown = new([], []);

    public static RollbackOrigins Read(string storeDirectory, ResolvedMoment moment, string? subPath, IReadOnlyDictionary<string, RollbackNode> past,
        CancellationToken cancellation)
    {
        var prefix = subPath is null ? "" : subPath.Trim('/') + "/";
        // Full name (from the tree's root) → the full name its object had at the moment; null: an object made after it. A name not listed holds its own.
        var holders = new Dictionary<string, string?>(StringComparer.Ordinal);
        var xattrsChanged = new HashSet<string>(StringComparer.Ordinal);
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        var reading = new OrderedReading(store, moment.TransactionId);
        foreach (var (_, committed) in reading.Read(ulong.MaxValue, cancellation))
        {
            foreach (var operation in committed?.Operations ?? [])
            {
                if (!Follow(operation, holders, prefix, past))
                    return Unknown;
                if (operation.Kind is SubRecordType.SetXattr or SubRecordType.RemoveXattr && operation.Path is not null
                    && Holder(holders, Encoding.UTF8.GetString(operation.Path)) is { } holder && holder.StartsWith(prefix, StringComparison.Ordinal))
                    xattrsChanged.Add(holder[prefix.Length..]);
            }
        }
        if (reading.Damage is not null || cancellation.IsCancellationRequested)
            return Unknown;
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, holder) in holders)
        {
            if (holder is not null && holder != name && name.StartsWith(prefix, StringComparison.Ordinal) && holder.StartsWith(prefix, StringComparison.Ordinal))
                origins[name[prefix.Length..]] = holder[prefix.Length..];
        }
        return new RollbackOrigins(origins, xattrsChanged);
    }

    /// <summary>Follows one operation; false where following gets uncertain.</summary>
    private static bool Follow(Journal.Operations.JournalOperation operation, Dictionary<string, string?> holders, string prefix, IReadOnlyDictionary<string, RollbackNode> past)
    {
        var path = operation.Path is null ? null : Encoding.UTF8.GetString(operation.Path);
        var path2 = operation.Path2 is null ? null : Encoding.UTF8.GetString(operation.Path2);
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink or SubRecordType.Unlink or SubRecordType.Rmdir:
                holders[path!] = null;
                return true;
            case SubRecordType.Link:
                holders[path2!] = Holder(holders, path!);
                return true;
            case SubRecordType.Rename:
                if (((operation.Redo?.Flags ?? 0) & 2) != 0)
                    return false; // EXCHANGE
                var moved = Holder(holders, path!);
                if (moved is not null && (!moved.StartsWith(prefix, StringComparison.Ordinal) || !past.TryGetValue(moved[prefix.Length..], out var node) || !node.IsRegular))
                    return false; // A directory of the moment (or what is outside the subtree) moved: the names below it would move with it.
                holders[path2!] = moved;
                holders[path!] = null;
                return true;
            case SubRecordType.Baseline:
                return ((operation.Redo?.Flags ?? 0) & (uint)(BaselineFlags.Remove | BaselineFlags.Name)) == 0;
            default:
                return true;
        }
    }

    private static string? Holder(Dictionary<string, string?> holders, string name) => holders.TryGetValue(name, out var holder) ? holder : name;
}
