using System.Text;
using Vellum.Catalog;
using Vellum.Journal.Format;

namespace Vellum.TimeTravel;

/// <summary>
/// What a restore needs of the journal, decided from the catalog before any transaction is
/// read (docs/time-travel.md 6): the tree at the moment (the catalog's names replayed in id
/// order), so which objects still have a name then and, with a SUBPATH, which lie under it;
/// for every write of a file that survives, which of its bytes no later write, truncate or
/// size-changing operation of that file replaced by the moment. A write none of whose bytes
/// survive is dropped (its file's later operation sets the size and attributes it set), one
/// partly overwritten is cut to the bytes that survive; an attribute change that left the size
/// as it was and whose owner, mode and times a later operation's RESULT sets again is dropped
/// (an O_TRUNC open of a new file); of a file removed by the moment only
/// the name operations are kept (they set directories' mtimes); fsyncs are dropped; of an
/// object outside the subtree only the name operations that shape it are kept
/// (<see cref="MomentTree.NamesReplayed"/>). The transactions left with nothing to apply are
/// never read.
/// </summary>
internal sealed class RestorePlan
{
    private const uint CollapseRange = 0x08;
    private const uint InsertRange = 0x20;

    /// <summary>Operations to leave out, or to apply cut to the surviving ranges (an empty list: leave out).</summary>
    private readonly Dictionary<(ulong Id, int Sequence), IReadOnlyList<Extent>> _changes = [];

    private RestorePlan()
    {
    }

    /// <summary>The transactions with something to apply, in id order, with their store positions.</summary>
    public IReadOnlyList<CatalogTransaction> Needed { get; private set; } = [];

    /// <summary>Transactions up to the moment with nothing to apply.</summary>
    public long Skipped { get; private set; }

    /// <summary>What is to be done with operation <paramref name="sequence"/> of transaction <paramref name="id"/>: null to apply it as it is, an empty list to leave it out, else the ranges of its data to write.</summary>
    public IReadOnlyList<Extent>? Change(ulong id, int sequence) => _changes.GetValueOrDefault((id, sequence));

    public static RestorePlan Make(StoreCatalog catalog, ulong moment, string[]? subPath)
    {
        var operations = catalog.OperationsThrough(moment);
        var tree = MomentTree.Build(operations);
        var plan = new RestorePlan();
        var inside = subPath is null ? null : tree.Under([.. subPath.Select(name => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(name)))]);
        var namesReplayed = inside is null ? null : tree.NamesReplayed(inside, operations);
        foreach (var ofObject in operations.GroupBy(operation => operation.Object))
        {
            if (inside is not null && !inside.Contains(ofObject.Key))
            {
                // Outside the subtree only names matter, and only those of namesReplayed.
                foreach (var operation in ofObject.Where(operation => !namesReplayed!.Contains(operation.Object) || !MomentTree.ChangesNames(operation)))
                    plan.LeaveOut(operation);
                continue;
            }
            var history = ofObject.OrderBy(operation => operation.TransactionId).ThenBy(operation => operation.Sequence).ToList();
            // An fsync changes nothing a restore makes.
            foreach (var fsync in history.Where(operation => operation.Operation == SubRecordType.Fsync))
                plan.LeaveOut(fsync);
            if (!tree.IsNamed(ofObject.Key))
                plan.DropContent(history);
            else if (!history.Any(operation => operation.Operation == SubRecordType.Fallocate && ((operation.Flags ?? 0) & (CollapseRange | InsertRange)) != 0))
                plan.Resolve(history);
        }
        var kept = new HashSet<ulong>();
        foreach (var operation in operations)
        {
            if (plan.Change(operation.TransactionId, operation.Sequence) is not { Count: 0 })
                kept.Add(operation.TransactionId);
        }
        var all = catalog.TransactionsThrough(moment);
        plan.Needed = [.. all.Where(transaction => kept.Contains(transaction.Id))];
        plan.Skipped = all.Count - plan.Needed.Count;
        return plan;
    }

    private void LeaveOut(CatalogOperation operation) => _changes[(operation.TransactionId, operation.Sequence)] = [];

    /// <summary>
    /// A file without a name at the moment: nothing of it survives but what its name operations
    /// did to directories (their mtimes); its content and attribute changes are left out.
    /// </summary>
    private void DropContent(List<CatalogOperation> history)
    {
        foreach (var operation in history)
        {
            if (!MomentTree.ChangesNames(operation) || IsBaselineDataOnly(operation))
                LeaveOut(operation);
        }
    }

    /// <summary>
    /// Walks the file's operations newest first, keeping the ranges later operations replaced:
    /// a later write's bytes, and everything at or past a size the file had later (bytes past
    /// the end are gone; growing again gives zeros). Fallocate's hole punching and zeroing are
    /// not counted (they keep the size), so what they cover is written and then punched, as it was.
    /// </summary>
    private void Resolve(List<CatalogOperation> history)
    {
        var sizeBefore = SizesBefore(history);
        var replaced = new ExtentSet();
        var laterAttributes = false;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var operation = history[i];
            if (operation.Role != CatalogRole.Target)
                continue;
            var dataOnlyBaseline = IsBaselineDataOnly(operation);
            if ((IsWrite(operation) || dataOnlyBaseline) && operation.Offset is { } offset && operation.Length is { } length && length > 0)
            {
                var written = new Extent(offset, offset + length);
                var surviving = replaced.Outside(written);
                if (surviving.Count == 0 && (dataOnlyBaseline || operation.SizeAfter is null || laterAttributes))
                    LeaveOut(operation);
                else if (surviving.Count > 0 && !(surviving.Count == 1 && surviving[0] == written) && !dataOnlyBaseline)
                    _changes[(operation.TransactionId, operation.Sequence)] = surviving;
                replaced.Add(written);
            }
            else if (operation.Operation is SubRecordType.SetAttr or SubRecordType.Truncate && laterAttributes
                && operation.SizeAfter is { } kept && sizeBefore[i] == kept)
            {
                // Owner, mode and times that a later operation's RESULT sets again, and a size it did not change.
                LeaveOut(operation);
            }
            if (operation.Operation == SubRecordType.Baseline && ((BaselineFlags)(operation.Flags ?? 0)).HasFlag(BaselineFlags.Reset))
                replaced.Add(new Extent(0, ulong.MaxValue));
            if (operation.Operation != SubRecordType.Baseline && operation.SizeAfter is { } size)
            {
                replaced.Add(new Extent(size, ulong.MaxValue));
                // The applier gives the node its RESULT attributes after every operation but a removal of a name.
                laterAttributes |= operation.Operation is not (SubRecordType.Unlink or SubRecordType.Rmdir);
            }
        }
    }

    /// <summary>The file's size before each of its operations, where the journal tells it (RESULT sizes; a new file's is 0); null where it does not.</summary>
    private static ulong?[] SizesBefore(List<CatalogOperation> history)
    {
        var before = new ulong?[history.Count];
        ulong? size = null;
        for (var i = 0; i < history.Count; i++)
        {
            before[i] = size;
            var operation = history[i];
            if (operation.Role != CatalogRole.Target)
                continue;
            if (operation.SizeAfter is { } after)
                size = after;
            else if (operation.Operation is SubRecordType.Create or SubRecordType.Mknod)
                size = 0;
            else if (operation.Operation is SubRecordType.Write or SubRecordType.Truncate or SubRecordType.SetAttr or SubRecordType.Fallocate or SubRecordType.Baseline)
                size = null;
        }
        return before;
    }

    private static bool IsWrite(CatalogOperation operation) => operation.Operation == SubRecordType.Write;

    private static bool IsBaselineDataOnly(CatalogOperation operation) =>
        operation.Operation == SubRecordType.Baseline && operation.Flags is { } flags
        && ((BaselineFlags)flags & ~(BaselineFlags.Data | BaselineFlags.Found)) == 0 && ((BaselineFlags)flags).HasFlag(BaselineFlags.Data);
}
