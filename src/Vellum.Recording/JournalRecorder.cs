using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Turns every change of the passthrough into one journal transaction, write-ahead: before
/// the syscall, the operation (paths, credentials, REDO and, reversible, UNDO) is published
/// to the FIFO ring as the transaction's first record(s); after it, a RESULT group (the
/// state the operation left) ends the transaction, or an ABORTED record when the syscall
/// failed. The ring lives in a file mapping, so a change can never reach the backing
/// directory without its transaction being somewhere a restart finds it.
/// </summary>
/// <remarks>
/// Paths are taken while holding a namespace lock: shared by every change, exclusive for
/// the changes that move or remove names (rename, unlink, rmdir, link). So no path
/// recorded for a change in flight can be changed by another change before it ends, and
/// replaying transactions in END order finds every path where the journal says it is.
/// </remarks>
internal sealed class JournalRecorder : IChangeRecorder, IDisposable
{
    private readonly BackingPaths _paths;
    private readonly JournalDurability _durability;
    private readonly bool _reversible;
    private readonly int _pathLimit;
    private readonly ReaderWriterLockSlim _namespace = new(LockRecursionPolicy.NoRecursion);
    private readonly ThreadLocal<RecorderThread> _threads;
    private readonly MemoryFifo _fifo;
    private readonly DeferredBackingSyncs? _deferred;
    private long _operations;

    /// <param name="journalVersion">The store's format version, which bounds the paths it holds (docs/journal-format.md, "Versions").</param>
    public JournalRecorder(MemoryFifo fifo, BackingPaths paths, JournalDurability durability, bool reversible, ushort journalVersion, DeferredBackingSyncs? deferred = null)
    {
        _pathLimit = journalVersion >= 2 ? JournalLimits.MaxPathLength : JournalLimits.Version1MaxPathLength;
        _fifo = fifo;
        _paths = paths;
        _durability = durability;
        _reversible = reversible;
        _deferred = deferred;
        _threads = new ThreadLocal<RecorderThread>(() => new RecorderThread(fifo.CreateWriter()), trackAllValues: true);
    }

    /// <summary>The passthrough's names of hard-linked nodes, for nodes whose own name was unlinked.</summary>
    public ILiveNames? Names
    {
        get => _paths.Names;
        set => _paths.Names = value;
    }

    /// <summary>What the journal does not describe yet of the backing directory: each change covers what it touches first.</summary>
    public Baseline.BaselineCoverage? Coverage { get; set; }

    /// <summary>The lock that orders paths: the baseline's thread holds it shared, as a change does, while it records an object.</summary>
    public ReaderWriterLockSlim Namespace => _namespace;

    /// <summary>Transactions committed (changes that succeeded).</summary>
    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>
    /// Publishes the change's intent; refuses it with ENOSPC, before anything changes, while
    /// the journal's disk is full (<see cref="MemoryFifo.Full"/>).
    /// </summary>
    public Errno Before(in Change change)
    {
        var thread = _threads.Value!;
        if (change.Kind is ChangeKind.Fsync or ChangeKind.FsyncDir)
        {
            // Everything committed before the fsync was called is what it depends on: the
            // journal syncs that while the backing file syncs its data.
            thread.PendingSync = _durability.StartWaitForAllCommitted();
            if (thread.PendingSync is not null && change.Kind == ChangeKind.Fsync && _deferred is { } deferred)
            {
                thread.SyncCovered = deferred.TryCover(change.Node);
                if (!thread.SyncCovered)
                    thread.Deferral = deferred.Point();
            }
            return Errno.Success;
        }
        thread.Exclusive = ChangeTypes.MovesNames(change.Kind);
        if (thread.Exclusive)
            _namespace.EnterWriteLock();
        else
            _namespace.EnterReadLock();
        try
        {
            Coverage?.BeforeChange(in change, thread.Writer);
            IntentWriter.Write(thread, in change, _paths, _reversible, _pathLimit);
            thread.Recording = true;
            if (thread.Exclusive)
                NoteNameChange(in change, thread, before: true);
            return Errno.Success;
        }
        catch (SinkFullException)
        {
            thread.Writer.Abort();
            ExitNamespace(thread);
            return Errno.ENOSPC;
        }
        catch (FifoFailedException)
        {
            // The journal stopped (see MountJournal's notice): no change may run unrecorded.
            thread.Writer.Abort();
            ExitNamespace(thread);
            return Errno.EIO;
        }
        catch (PathTooLongException)
        {
            // Nothing is written yet: the change is refused as a filesystem refuses a path it cannot hold.
            thread.Writer.Abort();
            ExitNamespace(thread);
            return Errno.ENAMETOOLONG;
        }
        catch
        {
            thread.Writer.Abort();
            ExitNamespace(thread);
            throw;
        }
    }

    /// <summary>
    /// Ends the change's transaction. An fsync, or a write through an O_SYNC or O_DSYNC
    /// descriptor, then waits for the journal, and gets ENOSPC when the journal's disk is full
    /// before its records reached the store.
    /// </summary>
    public Errno After(in Change change, in ChangeOutcome outcome)
    {
        var thread = _threads.Value!;
        if (change.Kind is ChangeKind.Fsync or ChangeKind.FsyncDir)
        {
            var pending = thread.PendingSync;
            var covered = thread.SyncCovered;
            thread.PendingSync = null;
            thread.SyncCovered = false;
            var synced = pending is { } position ? _durability.FinishWait(position) : Errno.Success;
            // A full fsync that worked makes the file's names durable: its next fsyncs may be covered.
            if (pending is not null && !covered && change.Kind == ChangeKind.Fsync && synced == Errno.Success && outcome.Result == Errno.Success)
                _deferred?.Register(change.Node, change.HandleFd, thread.Deferral);
            return synced;
        }
        if (!thread.Recording)
            return Errno.Success;
        thread.Recording = false;
        ulong end;
        try
        {
            if (PartialChanges.DiffersFromIntent(in change, in outcome, thread))
            {
                var recorded = PartialChanges.Record(thread, in change, in outcome);
                if (outcome.Result != Errno.Success || recorded is not { } position)
                    return Errno.Success;
                Interlocked.Increment(ref _operations);
                return change.Kind == ChangeKind.Write && IsSynchronous(change.Flags) ? _durability.WaitFor(position) : Errno.Success;
            }
            if (outcome.Result != Errno.Success)
            {
                thread.Writer.Abort();
                return Errno.Success;
            }
            // Again once the name moved: an fsync that began after the first note but synced
            // the backing file before the syscall must not count the move as made durable.
            if (thread.Exclusive)
                NoteNameChange(in change, thread, before: false);
            if (ChangeTypes.Creates(change.Kind))
                Coverage?.Created(outcome.Attributes.Ino);
            ResultWriter.Write(thread.Writer, in change, in outcome);
            thread.Writer.Pop();
            if (Whiteouts.Leaves(in change))
                Whiteouts.Write(thread, in change);
            end = thread.Writer.Commit();
            Interlocked.Increment(ref _operations);
        }
        finally
        {
            ExitNamespace(thread);
        }
        return change.Kind == ChangeKind.Write && IsSynchronous(change.Flags) ? _durability.WaitFor(end) : Errno.Success;
    }

    /// <summary>
    /// Whether the fsync in flight on this thread is answered by the journal alone (see
    /// <see cref="DeferredBackingSyncs"/>): the passthrough then leaves the backing file's
    /// sync to the next checkpoint.
    /// </summary>
    public bool CoversSync(in Change change) => _threads.Value!.SyncCovered;

    /// <summary>
    /// A transaction id below which every transaction has ended: taken with the namespace
    /// lock held exclusively, so no change is between its Before and its After.
    /// </summary>
    public ulong NextIdWithNothingInFlight()
    {
        _namespace.EnterWriteLock();
        try
        {
            return Math.Max(_fifo.LastTransactionId + 1, _fifo.Options.FirstTransactionId);
        }
        finally
        {
            _namespace.ExitWriteLock();
        }
    }

    public void Dispose()
    {
        foreach (var thread in _threads.Values)
            thread.Dispose();
        _threads.Dispose();
        _namespace.Dispose();
        _paths.Dispose();
    }

    private static bool IsSynchronous(int openFlags) => (openFlags & (LibCConstants.OSync | LibCConstants.ODSync)) != 0;

    /// <summary>
    /// Tells the deferred syncs whose names a rename, link or unlink changes: the moved
    /// inode, a rename's victim (before it), or, for a directory or an inode not read, every
    /// file (a path through it may have changed). An rmdir removes an empty directory, which
    /// no listed file is under.
    /// </summary>
    private void NoteNameChange(in Change change, RecorderThread thread, bool before)
    {
        if (_deferred is not { } deferred || change.Kind == ChangeKind.Rmdir)
            return;
        deferred.NameChanging(thread.Moved is { IsDirectory: false } moved ? moved.Ino : null);
        if (before && change.Kind == ChangeKind.Rename && BackingInspection.StatAt(change.NewParentFd, change.NewName, out var victim) == Errno.Success)
            deferred.NameChanging(victim.Ino);
    }

    private void ExitNamespace(RecorderThread thread)
    {
        if (thread.Exclusive)
            _namespace.ExitWriteLock();
        else
            _namespace.ExitReadLock();
    }
}
