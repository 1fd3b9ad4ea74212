using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Native;

namespace Vellum.TimeTravel.Undo;

/// <summary>
/// Reverses transactions in a replica: each operation's inverse (a create removed, a removal
/// made again from UNDO or as a hard link of a name the object kept, a rename moved back, the
/// bytes, size, attributes or xattr a change destroyed put back) is applied as an operation of
/// the mirror's own applier (<see cref="JournalApplier"/>), so every path is checked as the
/// mirror checks it: nothing outside the replica, nothing through a symlink.
/// </summary>
internal sealed unsafe class UndoApplier(ReplicaRoot root)
{
    private readonly JournalApplier _applier = new(root);

    /// <summary>Undoes one transaction: its operations, last first.</summary>
    public void Undo(UndoStep step)
    {
        var id = step.Transaction.TransactionId;
        for (var i = step.Operations.Count - 1; i >= 0; i--)
        {
            if (!step.Operations[i].Unchanged)
                Undo(step.Operations[i], id);
        }
    }

    /// <summary>Gives an object that existed at the moment its owner, mode, times and xattrs then.</summary>
    public void Restore(byte[] path, UndoNodeState state, ulong id)
    {
        Apply(id, new JournalOperation
        {
            Kind = SubRecordType.SetAttr,
            Path = path,
            Redo = new OperationState { Attributes = state.AttributesKnown
                    ? new NodeAttributes { Mode = state.Permissions, Uid = state.Uid, Gid = state.Gid, Atime = state.Atime, Mtime = state.Mtime }
                    : new NodeAttributes { Atime = state.Atime, Mtime = state.Mtime },
            },
        });
        foreach (var xattr in state.Xattrs)
            Apply(id, new JournalOperation { Kind = SubRecordType.SetXattr, Path = path, Redo = new OperationState { Xattrs = { xattr } } });
    }

    private void Undo(UndoOperation undoing, ulong id)
    {
        var operation = undoing.Operation;
        var undo = operation.Undo;
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mknod or SubRecordType.Symlink:
                Apply(id, Named(SubRecordType.Unlink, operation.Path!));
                break;
            case SubRecordType.Mkdir:
                Apply(id, Named(SubRecordType.Rmdir, operation.Path!));
                break;
            case SubRecordType.Link:
                Apply(id, Named(SubRecordType.Unlink, operation.Path2!));
                break;
            case SubRecordType.Unlink or SubRecordType.Rmdir:
                Recreate(operation.Path!, undo!, undoing.OtherName, id);
                break;
            case SubRecordType.Rename:
            {
                var exchange = ((operation.Redo?.Flags ?? 0) & LibCConstants.RenameExchange) != 0;
                Apply(id, new JournalOperation
                {
                    Kind = SubRecordType.Rename,
                    Path = operation.Path2,
                    Path2 = operation.Path,
                    // NOREPLACE: the old name is free again by now; a replica where it is not differs from the journal, and is not overwritten.
                    Redo = new OperationState { Flags = exchange ? LibCConstants.RenameExchange : LibCConstants.RenameNoReplace },
                });
                if (undoing.Replaced)
                    Recreate(operation.Path2!, undo!, undoing.OtherName, id);
                break;
            }
            case SubRecordType.Write:
                PutBack(operation.Path!, undo!.Offset!.Value, undo.Data, undo.Attributes!.Size!.Value, (ulong)(operation.Redo?.Data?.Length ?? 0), id);
                break;
            case SubRecordType.Truncate:
                PutBack(operation.Path!, undo!.Offset!.Value, undo.Data, undo.Attributes!.Size!.Value, undo.Attributes.Size.Value, id);
                break;
            case SubRecordType.Fallocate:
                PutBack(operation.Path!, undo!.Offset!.Value, undo.Data, undo.Attributes!.Size!.Value, operation.Redo?.Length ?? 0, id);
                break;
            case SubRecordType.SetAttr:
                SetAttributesBack(operation, id);
                break;
            case SubRecordType.SetXattr or SubRecordType.RemoveXattr:
            {
                var old = undo!.Xattrs[0];
                Apply(id, new JournalOperation
                {
                    Kind = old.Value is null ? SubRecordType.RemoveXattr : SubRecordType.SetXattr,
                    Path = operation.Path,
                    Redo = new OperationState { Xattrs = { old } },
                });
                break;
            }
        }
    }

    private void SetAttributesBack(JournalOperation operation, ulong id)
    {
        var old = operation.Undo!.Attributes!;
        if (operation.Redo?.Attributes?.Size is { } newSize && old.Size is { } oldSize && newSize != oldSize)
        {
            if (newSize < oldSize)
                PutBack(operation.Path!, newSize, operation.Undo.Data, oldSize, oldSize - newSize, id);
            else
                PutBack(operation.Path!, oldSize, null, oldSize, 0, id);
        }
        Apply(id, new JournalOperation
        {
            Kind = SubRecordType.SetAttr,
            Path = operation.Path,
            Redo = new OperationState { Attributes = new NodeAttributes { Mode = old.Mode, Uid = old.Uid, Gid = old.Gid, Atime = old.Atime, Mtime = old.Mtime } },
        });
    }

    /// <summary>
    /// A removed object made again at <paramref name="path"/>: a hard link of a name it kept,
    /// else from UNDO (type, owner, mode, times, a symlink's target, a device's number, a
    /// file's content with its zero blocks left as holes).
    /// </summary>
    private void Recreate(byte[] path, OperationState undo, byte[]? otherName, ulong id)
    {
        var attributes = undo.Attributes!;
        var type = attributes.Mode!.Value & LibCConstants.SIfMt;
        var creation = new NodeAttributes { Mode = attributes.Mode, Uid = attributes.Uid, Gid = attributes.Gid, Atime = attributes.Atime, Mtime = attributes.Mtime, Rdev = attributes.Rdev };
        if (otherName is not null && type != LibCConstants.SIfDir)
        {
            Apply(id, new JournalOperation { Kind = SubRecordType.Link, Path = otherName, Path2 = path });
            return;
        }
        var kind = type switch
        {
            LibCConstants.SIfReg => SubRecordType.Create,
            LibCConstants.SIfDir => SubRecordType.Mkdir,
            LibCConstants.SIfLnk => SubRecordType.Symlink,
            _ => SubRecordType.Mknod,
        };
        Apply(id, new JournalOperation { Kind = kind, Path = path, Redo = new OperationState { Attributes = creation, Target = undo.Target } });
        if (type == LibCConstants.SIfReg && attributes.Size is { } size and > 0)
            PutBack(path, 0, undo.Data, size, size, id);
    }

    /// <summary>
    /// The file at <paramref name="path"/> gets its old size and, at <paramref name="offset"/>,
    /// the old bytes; then every block of the changed range that reads as zeros becomes a
    /// hole again. UNDO keeps bytes, not the layout: a hole written over comes back as zeros,
    /// and punching them out leaves it as the source had it (a block of written zeros in that
    /// range becomes a hole too, which reads the same).
    /// </summary>
    private void PutBack(byte[] path, ulong offset, ReadOnlyMemory<byte>? data, ulong size, ulong changed, ulong id)
    {
        Apply(id, Sized(path, size));
        if (data is { Length: > 0 } bytes)
            Apply(id, new JournalOperation { Kind = SubRecordType.Write, Path = path, Redo = new OperationState { Offset = offset, Data = bytes } });
        // A change past the old end (a write after a hole, an append) leaves the old last block
        // allocated once the size is cut back: from the old end on, that block is checked too.
        var start = Math.Min(offset, size);
        var end = Math.Max(start, Math.Min(size, offset + Math.Max(changed, (ulong)(data?.Length ?? 0))));
        ZeroBlocks.Punch(root, ReplicaPath.Check(path, id), id, (long)start, (long)end);
    }

    private static JournalOperation Sized(byte[] path, ulong size) =>
        new() { Kind = SubRecordType.Truncate, Path = path, Redo = new OperationState { Attributes = new NodeAttributes { Size = size } } };

    private static JournalOperation Named(SubRecordType kind, byte[] path) => new() { Kind = kind, Path = path };

    private void Apply(ulong id, JournalOperation operation) =>
        _applier.Apply(new TransactionEntry(0, id, 0, 0, [operation]));
}
