using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// Applies committed transactions to a replica directory so that replaying a whole journal
/// into an empty directory reproduces the source tree: names, types, content (sparse where
/// the source was), modes, owners, mtimes, xattrs, hard links and symlink targets. Every
/// operation is idempotent (docs/mirror.md): re-applying a transaction that was already
/// applied, wholly or in part, leaves the state right after it. Every path is checked to
/// stay inside the replica without passing through a symlink, for all operations of a
/// transaction before any of it is applied.
/// </summary>
public sealed partial class JournalApplier : IDisposable
{
    private readonly ReplicaRoot _root;
    private readonly bool _ownsRoot;

    /// <summary>Applies to the existing directory <paramref name="replicaRoot"/>.</summary>
    public JournalApplier(string replicaRoot)
        : this(ReplicaRoot.Open(replicaRoot), ownsRoot: true)
    {
    }

    internal JournalApplier(ReplicaRoot root, bool ownsRoot = false)
    {
        _root = root;
        _ownsRoot = ownsRoot;
    }

    /// <summary>Applies every operation of <paramref name="transaction"/> in order.</summary>
    /// <exception cref="MirrorPathException">A path would leave the replica or pass through a symlink; nothing was applied.</exception>
    /// <exception cref="MirrorApplyException">A system call failed, or the replica holds what the journal rules out.</exception>
    public void Apply(TransactionEntry transaction)
    {
        var id = transaction.TransactionId;
        var steps = new List<Step>(transaction.Operations.Count);
        foreach (var operation in transaction.Operations)
        {
            if (Check(operation, id) is { } step)
                steps.Add(step);
        }
        foreach (var step in steps)
        {
            ApplyStep(step, id);
            FixMetadata(step, id);
        }
    }

    public void Dispose()
    {
        if (_ownsRoot)
            _root.Dispose();
    }

    /// <summary>An operation whose paths passed the checks; null paths where it has none.</summary>
    private sealed record Step(JournalOperation Operation, ReplicaPath? Path, ReplicaPath? Path2)
    {
        /// <summary>The operation changes the replica root's own metadata (its journal path is empty).</summary>
        public bool IsRoot { get; init; }

        public SubRecordType Kind => Operation.Kind;

        public string Name => Kind.ToString().ToLowerInvariant();
    }

    /// <summary>The operation's paths, checked; null for an operation with nothing to apply.</summary>
    private Step? Check(JournalOperation operation, ulong id)
    {
        switch (operation.Kind)
        {
            case SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink
                or SubRecordType.Unlink or SubRecordType.Rmdir:
                return new Step(operation, Resolvable(operation.Path ?? [], id), null);
            case SubRecordType.Link or SubRecordType.Rename:
                return new Step(operation, Resolvable(operation.Path ?? [], id), Resolvable(operation.Path2 ?? [], id));
            case SubRecordType.SetAttr or SubRecordType.SetXattr or SubRecordType.RemoveXattr when operation.Path is { Length: 0 }:
                // The mount's root itself (chmod, touch or setfattr of the mountpoint): a step
                // without paths, applied through the replica root's own descriptor.
                return new Step(operation, null, null) { IsRoot = true };
            case SubRecordType.Write or SubRecordType.Truncate or SubRecordType.SetAttr or SubRecordType.SetXattr
                or SubRecordType.RemoveXattr or SubRecordType.Fallocate:
                // No PATH: the file had no name any more (unlinked while open). Its data dies
                // with it, so the replica has nothing to change.
                return operation.Path is null ? null : new Step(operation, Resolvable(operation.Path, id), null);
            case SubRecordType.Fsync or SubRecordType.Checkpoint or SubRecordType.Snapshot:
                return null;
            case SubRecordType.Baseline:
                return CheckBaseline(operation, id);
            default:
                throw new MirrorApplyException(id, operation.Kind.ToString(), PathText.Show(operation.Path ?? []), "is not an operation the mirror knows");
        }
    }

    /// <summary>
    /// The spelling checked, and the parent resolved now when it already exists: a symlink
    /// on the way is refused before anything of the transaction is applied. A parent that
    /// does not exist yet (an earlier operation of the transaction creates it) is resolved
    /// again, under the same rules, when its operation is applied.
    /// </summary>
    private ReplicaPath Resolvable(byte[] bytes, ulong id)
    {
        var path = ReplicaPath.Check(bytes, id);
        if (_root.TryOpenParent(path, id, out var parent) == 0)
            parent.Dispose();
        return path;
    }

    private void ApplyStep(Step step, ulong id)
    {
        switch (step.Kind)
        {
            case SubRecordType.Create:
                CreateFile(step, id);
                break;
            case SubRecordType.Mkdir:
                MakeDirectory(step, id);
                break;
            case SubRecordType.Mknod:
                MakeNode(step, id);
                break;
            case SubRecordType.Symlink:
                MakeSymlink(step, id);
                break;
            case SubRecordType.Link:
                Link(step, id);
                break;
            case SubRecordType.Unlink or SubRecordType.Rmdir:
                Remove(step, id);
                break;
            case SubRecordType.Rename:
                Rename(step, id);
                break;
            case SubRecordType.Write:
                Write(step, id);
                break;
            case SubRecordType.Truncate:
                Truncate(step, id);
                break;
            case SubRecordType.SetAttr:
                SetAttributes(step, id);
                break;
            case SubRecordType.SetXattr or SubRecordType.RemoveXattr:
                ChangeXattr(step, id);
                break;
            case SubRecordType.Fallocate:
                Fallocate(step, id);
                break;
            case SubRecordType.Baseline:
                ApplyBaseline(step, id);
                break;
        }
    }

    private static MirrorApplyException Failure(Step step, ulong id, ReplicaPath path, Errno errno) => new(id, step.Name, path.Text, errno);

    private static MirrorApplyException Failure(Step step, ulong id, ReplicaPath path, string problem) => new(id, step.Name, path.Text, problem);
}
