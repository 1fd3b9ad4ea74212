using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Native;

namespace Vellum.TimeTravel.Undo;

/// <summary>
/// The transactions after a moment up to a replica's position, newest last, each checked to
/// carry the UNDO that reverses it (docs/time-travel.md 9), and the state at the moment of
/// everything they changed. One pass over the store in id order: before the moment only
/// metadata is kept (<see cref="UndoNamespace"/>); after it the transactions themselves.
/// </summary>
internal sealed class UndoPlan
{
    private readonly UndoNamespace _tree = new();
    private readonly List<UndoStep> _steps = [];

    private UndoPlan()
    {
    }

    /// <summary>The transactions to undo, oldest first.</summary>
    public IReadOnlyList<UndoStep> Steps => _steps;

    /// <summary>Every object that existed at the moment and was changed after it: its path and state then.</summary>
    public IEnumerable<(byte[] Path, UndoNodeState State)> ChangedSinceMoment() => _tree.ChangedSinceMoment();

    /// <exception cref="UndoRefusedException">A transaction in the range lacks the UNDO that reverses it, or the store ends before the position.</exception>
    public static UndoPlan Read(OrderedReading reading, ulong moment, ulong position, CancellationToken cancellation)
    {
        var plan = new UndoPlan();
        var started = false;
        ulong through = 0;
        foreach (var (id, committed) in reading.Read(position, cancellation))
        {
            through = id;
            if (!started && id > moment)
            {
                plan._tree.StartRange();
                started = true;
            }
            if (committed is null)
                continue;
            if (started)
                plan.Add(committed);
            else
            {
                foreach (var operation in committed.Operations)
                    plan._tree.Apply(operation);
            }
        }
        cancellation.ThrowIfCancellationRequested();
        if (through < position)
            throw new UndoRefusedException($"the store can be read only up to transaction {through}, before the replica's position txid:{position}{(reading.Damage is { } damage ? $" (it is damaged at {StoreTimeline.Where(damage)})" : "")}: the UNDO records of what the replica holds are missing");
        return plan;
    }

    private void Add(TransactionEntry transaction)
    {
        var operations = new List<UndoOperation>(transaction.Operations.Count);
        foreach (var operation in transaction.Operations)
        {
            operations.Add(Check(transaction.TransactionId, operation));
            _tree.Apply(operation);
        }
        _steps.Add(new UndoStep(transaction, operations));
    }

    /// <summary>What undoing the operation needs from the tree before it, once its UNDO is found sufficient.</summary>
    private UndoOperation Check(ulong id, JournalOperation operation)
    {
        var undo = operation.Undo;
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink or SubRecordType.Link
                or SubRecordType.Fsync or SubRecordType.Checkpoint or SubRecordType.Snapshot:
                return new UndoOperation(operation, false, null, false);
            case SubRecordType.Write or SubRecordType.Truncate or SubRecordType.Fallocate or SubRecordType.SetAttr
                or SubRecordType.SetXattr or SubRecordType.RemoveXattr when operation.Path is null:
                return new UndoOperation(operation, false, null, Unchanged: true);
            case SubRecordType.Write or SubRecordType.Truncate or SubRecordType.Fallocate:
            {
                if (undo?.Attributes?.Size is not { } oldSize || undo.Offset is not { } offset)
                    throw Lacking(id, operation, "the bytes and size it overwrote");
                var length = operation.Kind switch
                {
                    SubRecordType.Write => (ulong)(operation.Redo?.Data?.Length ?? 0),
                    SubRecordType.Fallocate => operation.Redo?.Length ?? 0,
                    _ => oldSize,
                };
                var existing = offset >= oldSize ? 0 : Math.Min(length, oldSize - offset);
                if (existing > 0 && (ulong)(undo.Data?.Length ?? 0) != existing)
                    throw Lacking(id, operation, $"the {existing} bytes it overwrote");
                return new UndoOperation(operation, false, null, false);
            }
            case SubRecordType.SetAttr:
            {
                if (undo?.Attributes is not { Mode: not null } old)
                    throw Lacking(id, operation, "the attributes it changed");
                if (operation.Redo?.Attributes?.Size is { } newSize && old.Size is { } oldSize && newSize < oldSize
                    && (ulong)(undo.Data?.Length ?? 0) != oldSize - newSize)
                    throw Lacking(id, operation, $"the {oldSize - newSize} bytes it cut off");
                return new UndoOperation(operation, false, null, false);
            }
            case SubRecordType.SetXattr or SubRecordType.RemoveXattr:
                if (undo is null || undo.Xattrs.Count != 1)
                    throw Lacking(id, operation, "the extended attribute's old value");
                return new UndoOperation(operation, false, null, false);
            case SubRecordType.Unlink or SubRecordType.Rmdir:
                return Removal(id, operation, operation.Path, replaced: false);
            case SubRecordType.Rename:
            {
                var there = _tree.At(operation.Path2);
                if (((operation.Redo?.Flags ?? 0) & LibCConstants.RenameExchange) != 0 || there is null)
                    return new UndoOperation(operation, false, null, false);
                if (there == _tree.At(operation.Path))
                    return new UndoOperation(operation, false, null, Unchanged: true);
                return Removal(id, operation, operation.Path2, replaced: true);
            }
            case SubRecordType.Baseline:
                throw new UndoRefusedException($"transaction {id} is part of the journal's baseline ({Show(operation)}): a baseline records what a directory held when journaling began (or was found changed at a mount), never what it replaced, so it has no UNDO", id);
            default:
                throw new UndoRefusedException($"transaction {id} holds an operation undo does not know ({Show(operation)})", id);
        }
    }

    /// <summary>An unlink, rmdir or a rename over an existing name: the removed object comes back from UNDO, or as a hard link of a name it still had.</summary>
    private UndoOperation Removal(ulong id, JournalOperation operation, byte[]? path, bool replaced)
    {
        var removed = _tree.At(path);
        var other = removed is { } obj && path is not null && !_tree.Node(obj).IsDirectory ? _tree.OtherNames(obj, path).FirstOrDefault() : null;
        if (operation.Undo?.Attributes is not { Mode: { } mode } attributes)
            throw Lacking(id, operation, replaced ? "the object it replaced" : "the object it removed");
        var type = mode & LibCConstants.SIfMt;
        if (other is null && type == LibCConstants.SIfReg && (attributes.Size ?? 0) > 0 && (ulong)(operation.Undo.Data?.Length ?? 0) != attributes.Size)
            throw Lacking(id, operation, replaced ? "the content of the file it replaced" : "the content of the file it removed");
        if (type == LibCConstants.SIfLnk && operation.Undo.Target is null)
            throw Lacking(id, operation, "the target of the symlink it removed");
        return new UndoOperation(operation, replaced, other, false);
    }

    private static UndoRefusedException Lacking(ulong id, JournalOperation operation, string what) =>
        new($"transaction {id} ({Show(operation)}) has no UNDO for {what}", id);

    internal static string Show(JournalOperation operation)
    {
        var kind = operation.Kind.ToString().ToLowerInvariant();
        var path = operation.Path is { } p ? $" of {PathText.Show(p)}" : "";
        var path2 = operation.Path2 is { } p2 ? $" to {PathText.Show(p2)}" : "";
        return $"{kind}{path}{path2} at {operation.Time}";
    }
}
