using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Vellum.Passthrough;
using Vellum.Recording.Native;

namespace Vellum.Recording;

/// <summary>
/// Lets an fsync through the mount be answered by the journal alone, as btrfs answers one
/// from its tree-log: the journal holds every change's REDO, so the backing file's own sync
/// can wait for a checkpoint as long as a power cut is repaired by redoing the journal on
/// the backing file (<see cref="DeferredSyncRecovery"/>). That saves the disk one cache flush per
/// fsync. A file qualifies once a full fsync (backing file and journal) registered it; the
/// first fsync that relies on that lists it in the <see cref="DeferredSyncTable"/>; and it
/// qualifies only while no rename, link or unlink has changed its
/// names, and no directory was renamed, since: the names that reach it are then the ones
/// that full fsync made durable, and what
/// remains to redo is content (writes, truncates, attributes, xattrs), which a file handle
/// finds wherever the file is. Every <see cref="Interval"/> in which an fsync was answered, a
/// checkpoint syncs the backing filesystem, moves the redo points forward and forgets the
/// files no fsync used for a while.
/// </summary>
internal sealed class DeferredBackingSyncs : IDisposable
{
    /// <summary>
    /// A file no fsync used for this many checkpoints in a row (a minute at the default
    /// interval) is forgotten, and its next fsync syncs the backing file again. Files fsynced
    /// every few seconds stay listed.
    /// </summary>
    private const int IdleCheckpointsBeforeForgetting = 12;

    private readonly object _lock = new();
    private readonly object _tableLock = new();
    private readonly Dictionary<ulong, Deferred> _byNode = [];
    private readonly DeferredSyncTable _table;
    private readonly int _mountFd;
    private readonly ManualResetEventSlim _stop = new();
    private readonly string _journalDirectory;
    private readonly ILogger _logger;
    private Thread? _thread;
    private Func<ulong>? _quiesce;
    private long _namesChanged;
    private long _everyNameChangedAt;
    private ulong _checkpoint;
    private long _covered;

    /// <summary>Checkpoint ticks so far: counted by the checkpoint thread alone (and the last checkpoint, after it).</summary>
    private long _ticks;

    private DeferredBackingSyncs(DeferredSyncTable table, int mountFd, TimeSpan interval, ulong firstTransactionId, string journalDirectory, ILogger logger)
    {
        _journalDirectory = journalDirectory;
        _logger = logger;
        _table = table;
        _mountFd = mountFd;
        Interval = interval;
        _checkpoint = firstTransactionId;
    }

    /// <summary>Between two checkpoints.</summary>
    public TimeSpan Interval { get; }

    /// <summary>fsyncs answered by the journal alone so far, for `vellum status`.</summary>
    public long Covered => Interlocked.Read(ref _covered);

    /// <summary>Files listed in the table now, for `vellum status`.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _byNode.Values.Count(deferred => deferred.Listed);
        }
    }

    /// <summary>
    /// Starts deferring for <paramref name="backing"/> with a new, empty table in
    /// <paramref name="journalDirectory"/>; null when its filesystem gives no file handles
    /// that reopen (then every fsync syncs the backing file). A failed checkpoint (on its
    /// thread) or registration goes to <paramref name="logger"/>.
    /// </summary>
    public static DeferredBackingSyncs? Open(string journalDirectory, string backing, TimeSpan interval, ulong firstTransactionId, ILogger logger)
    {
        var mountFd = BackingInspection.OpenHandleRoot(backing);
        if (mountFd < 0)
            return null;
        var table = DeferredSyncTable.Create(Path.Combine(journalDirectory, DeferredSyncTable.FileName), []);
        return new DeferredBackingSyncs(table, mountFd, interval, firstTransactionId, journalDirectory, logger);
    }

    /// <summary>
    /// Starts the checkpoint thread. <paramref name="quiesce"/> returns a transaction id
    /// such that every transaction below it has ended (taken with no change in flight).
    /// </summary>
    public void Start(Func<ulong> quiesce)
    {
        _quiesce = quiesce;
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-checkpoint" };
        _thread.Start();
    }

    /// <summary>
    /// A rename, link or unlink changes the names of <paramref name="inode"/> (null: of a
    /// directory, or of an inode that could not be read, so possibly of any file under it).
    /// The files concerned qualify again after their next full fsync.
    /// </summary>
    public void NameChanging(ulong? inode)
    {
        var at = Interlocked.Increment(ref _namesChanged);
        if (inode is not { } changed)
        {
            // Name changes run one at a time (the recorder's namespace lock), so a plain write.
            Volatile.Write(ref _everyNameChangedAt, at);
            return;
        }
        lock (_lock)
        {
            foreach (var deferred in _byNode.Values)
            {
                if (deferred.Inode == changed)
                    deferred.NameChangedAt = at;
            }
        }
    }

    /// <summary>What a full fsync notes in its Before, for <see cref="Register"/> in its After.</summary>
    public DeferralPoint Point() => new(Interlocked.Read(ref _namesChanged), Volatile.Read(ref _checkpoint));

    /// <summary>
    /// Whether the fsync of <paramref name="node"/> that is starting may leave the backing file
    /// to the checkpoint: the node is registered and none of its names changed since its full fsync.
    /// </summary>
    public bool TryCover(ulong node)
    {
        Deferred? deferred;
        lock (_lock)
        {
            if (!_byNode.TryGetValue(node, out deferred) || !Qualifies(deferred))
                return false;
            if (deferred.Listed)
            {
                deferred.Used = true;
                Interlocked.Increment(ref _covered);
                return true;
            }
        }
        // The first fsync to rely on the file lists it, durably, before it returns: its table
        // write runs while the drain syncs the journal. Files fsynced once never cost one.
        lock (_tableLock)
        {
            lock (_lock)
            {
                if (!_byNode.TryGetValue(node, out var still) || still != deferred || !Qualifies(deferred))
                    return false;
            }
            try
            {
                _table.Append(deferred.Entry);
            }
            catch (IOException failure)
            {
                lock (_lock)
                    _byNode.Remove(node);
                RecordingLog.FileNotListed(_logger, _journalDirectory, failure.Message);
                return false;
            }
            lock (_lock)
            {
                deferred.Listed = true;
                deferred.Used = true;
            }
        }
        Interlocked.Increment(ref _covered);
        return true;
    }

    /// <summary>None of the file's names, and no directory, changed since its last full fsync.</summary>
    private bool Qualifies(Deferred deferred) =>
        deferred.NamesSeen >= deferred.NameChangedAt && deferred.NamesSeen >= Volatile.Read(ref _everyNameChangedAt);

    /// <summary>
    /// After a full fsync of <paramref name="node"/> (its backing descriptor <paramref name="fd"/>)
    /// returned success: registers the file, in memory, so its next fsyncs may be covered (the
    /// first of them lists it in the table).
    /// </summary>
    public void Register(ulong node, int fd, DeferralPoint point)
    {
        lock (_lock)
        {
            if (NameChangedSince(point))
                return;
            if (_byNode.TryGetValue(node, out var known))
            {
                known.NamesSeen = point.NamesSeen;
                return;
            }
        }
        if (BackingInspection.HandleOf(fd) is not { Length: <= DeferredSyncTable.MaxHandleSize } handle
            || BackingInspection.Stat(fd, out var stat) != Errno.Success)
            return;
        var deferred = new Deferred(stat.Ino, handle, point.Checkpoint) { NamesSeen = point.NamesSeen, LastUsed = Interlocked.Read(ref _ticks) };
        lock (_lock)
        {
            // Checked again under the lock: a name change marks only the files registered
            // when it takes the lock, so one that came before this insert must keep it out.
            if (!NameChangedSince(point))
                _byNode[node] = deferred;
        }
    }

    /// <summary>
    /// A name changed since the full fsync began: whether its backing sync saw the change is
    /// unknown, so the file waits for a full fsync with no name change under it.
    /// </summary>
    private bool NameChangedSince(DeferralPoint point) => Interlocked.Read(ref _namesChanged) != point.NamesSeen;

    /// <summary>Stops the checkpoint thread, then syncs every registered file and empties the table. The mount must be gone.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
        try
        {
            Checkpoint(final: true);
        }
        catch (IOException failure)
        {
            RecordingLog.LastCheckpointFailed(_logger, _journalDirectory, failure.Message);
        }
        _table.Dispose();
        BackingInspection.Close(_mountFd);
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            try
            {
                Checkpoint(final: false);
            }
            catch (IOException failure)
            {
                RecordingLog.CheckpointFailed(_logger, _journalDirectory, failure.Message);
            }
        }
    }

    private void Checkpoint(bool final)
    {
        var tick = Interlocked.Increment(ref _ticks);
        List<KeyValuePair<ulong, Deferred>> registered;
        lock (_lock)
        {
            // A file never listed was never relied on: forgetting it needs no sync.
            var idle = _byNode.Where(pair => !pair.Value.Listed && (final || tick - pair.Value.LastUsed >= IdleCheckpointsBeforeForgetting)).Select(pair => pair.Key).ToList();
            foreach (var node in idle)
                _byNode.Remove(node);
            registered = [.. _byNode.Where(pair => pair.Value.Listed)];
        }
        // Nothing to do while no listed file had an fsync answered or is due to be forgotten.
        if (registered.Count == 0 || (!final && !registered.Any(pair => pair.Value.Used || tick - pair.Value.LastUsed >= IdleCheckpointsBeforeForgetting)))
            return;
        // Every transaction below `next` has ended, so its syscall is done and the sync below
        // covers it; anything from `next` on stays with the redo.
        var next = final || _quiesce is null ? ulong.MaxValue : _quiesce();
        if (!final)
            Volatile.Write(ref _checkpoint, next);
        // One syncfs, one cache flush, however many files are listed; an fsync of each would
        // flush the disk's cache once per file.
        if (RecordingLibC.SyncFs(_mountFd) != 0)
            throw new IOException($"syncfs of the backing directory: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        lock (_tableLock)
        {
            List<DeferredSync> entries;
            lock (_lock)
            {
                foreach (var (node, deferred) in registered)
                {
                    if (deferred.Used)
                        deferred.LastUsed = tick;
                    deferred.Used = false;
                    deferred.From = next;
                    if (final || tick - deferred.LastUsed >= IdleCheckpointsBeforeForgetting)
                        _byNode.Remove(node);
                }
                entries = [.. _byNode.Values.Where(d => d.Listed).Select(d => d.Entry)];
            }
            _table.Replace(entries);
        }
    }

    private sealed class Deferred(ulong inode, byte[] handle, ulong from)
    {
        public ulong Inode { get; } = inode;

        public byte[] Handle { get; } = handle;

        public ulong From { get; set; } = from;

        /// <summary>The names counter its last full fsync saw.</summary>
        public long NamesSeen { get; set; }

        /// <summary>The names counter at the last change of this file's own names.</summary>
        public long NameChangedAt { get; set; }

        /// <summary>Whether its entry is in the table (written and synced): only then may an fsync rely on it.</summary>
        public bool Listed { get; set; }

        /// <summary>Whether an fsync was covered since the last checkpoint.</summary>
        public bool Used { get; set; }

        /// <summary>The checkpoint tick that last found an fsync covered (or that it was listed in).</summary>
        public long LastUsed { get; set; }

        public DeferredSync Entry => new(Inode, From, Handle);
    }
}

/// <summary>The names counter and checkpoint id an fsync saw as it began.</summary>
internal readonly record struct DeferralPoint(long NamesSeen, ulong Checkpoint);
