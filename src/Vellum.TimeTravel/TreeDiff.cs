using Vellum.Mirror;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// `vellum diff`: what changed in the tree between two resolved moments (docs/time-travel.md 7).
/// The store's committed transactions are read once in id order up to the later moment,
/// moving an in-memory model of names and objects along (<see cref="DiffNamespace"/>, no
/// content); the objects and their names are taken at the first moment and again at the
/// second, and compared by identity: an object at both is renamed when its names differ, and
/// changed when a content operation touched it in between (M) or its mode, owner, xattrs or
/// (without a content change) mtime differ (m). An object created and deleted in between
/// appears at neither moment and is not reported; a path that names another object at the
/// second moment (deleted and created again, or renamed over) is reported as D and A.
/// </summary>
public static class TreeDiff
{
    /// <summary>The changes from <paramref name="from"/> to <paramref name="to"/> (a later or the same moment), sorted by path (the new one for a rename), D before A on the same path.</summary>
    /// <exception cref="StoreDamagedException">Damage stopped the reading before <paramref name="to"/>.</exception>
    public static IReadOnlyList<TreeChange> Run(string storeDirectory, ResolvedMoment from, ResolvedMoment to, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from.TransactionId, to.TransactionId);
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        var tree = new DiffNamespace();
        var reading = new OrderedReading(store);
        Dictionary<long, (List<string> Paths, DiffNodeState State)>? before = null;
        ulong through = 0;
        foreach (var (id, committed) in reading.Read(to.TransactionId, cancellation))
        {
            if (id > from.TransactionId && before is null)
                before = tree.Walk();
            through = id;
            if (committed is not null)
                tree.Apply(committed);
        }
        cancellation.ThrowIfCancellationRequested();
        if (through < to.TransactionId)
            throw reading.Damage ?? new StoreDamagedException($"the store at {storeDirectory} ends at transaction {through}, before {to.TransactionId}");
        return Compare(before ?? tree.Walk(), tree.Walk());
    }

    private static List<TreeChange> Compare(Dictionary<long, (List<string> Paths, DiffNodeState State)> before, Dictionary<long, (List<string> Paths, DiffNodeState State)> after)
    {
        var changes = new List<TreeChange>();
        foreach (var (obj, (paths, state)) in before)
        {
            if (!after.ContainsKey(obj))
                changes.AddRange(paths.Select(path => new TreeChange(TreeChangeKind.Deleted, path, null, false, false, TypeName(state))));
        }
        foreach (var (obj, (paths, state)) in after)
        {
            var type = TypeName(state);
            if (!before.TryGetValue(obj, out var old))
            {
                changes.AddRange(paths.Select(path => new TreeChange(TreeChangeKind.Created, path, null, false, false, type)));
                continue;
            }
            var content = state.ContentDiffers(old.State);
            var metadata = state.MetadataDiffers(old.State);
            var gone = old.Paths.Except(paths, StringComparer.Ordinal).ToList();
            var added = paths.Except(old.Paths, StringComparer.Ordinal).ToList();
            for (var i = 0; i < Math.Min(gone.Count, added.Count); i++)
                changes.Add(new TreeChange(TreeChangeKind.Renamed, added[i], gone[i], content, metadata, type));
            changes.AddRange(gone.Skip(added.Count).Select(path => new TreeChange(TreeChangeKind.Deleted, path, null, false, false, type)));
            changes.AddRange(added.Skip(gone.Count).Select(path => new TreeChange(TreeChangeKind.Created, path, null, false, false, type)));
            if (content || metadata)
            {
                changes.AddRange(paths.Intersect(old.Paths, StringComparer.Ordinal)
                    .Select(path => new TreeChange(TreeChangeKind.Changed, path, null, content, metadata, type)));
            }
        }
        changes.Sort((a, b) =>
        {
            var byPath = string.CompareOrdinal(a.Path, b.Path);
            return byPath != 0 ? byPath : (a.Kind == TreeChangeKind.Deleted ? 0 : 1) - (b.Kind == TreeChangeKind.Deleted ? 0 : 1);
        });
        return changes;
    }

    private static string TypeName(DiffNodeState state) => state.Type switch
    {
        LibCConstants.SIfDir => "directory",
        LibCConstants.SIfLnk => "symlink",
        LibCConstants.SIfChr or LibCConstants.SIfBlk => "device",
        LibCConstants.SIfIfo => "fifo",
        LibCConstants.SIfSock => "socket",
        _ => "file",
    };
}
