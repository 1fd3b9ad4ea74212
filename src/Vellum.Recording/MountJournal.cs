using Microsoft.Extensions.Logging;
using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Recording.Baseline;
using Vellum.Recording.Binding;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// The journal of one mount: segment store, write-ahead ring file, FIFO with its drain,
/// and the recorder the passthrough reports changes to. Opening recovers what a killed
/// predecessor left (<see cref="WriteAheadRecovery"/>) before anything new is recorded.
/// </summary>
public sealed class MountJournal : IDisposable
{
    public const string RingFileName = "write-ahead.ring";

    /// <summary>The journal's lock file: held by the mount recording into it, naming that mount.</summary>
    public const string LockFileName = "mount.lock";

    private readonly SegmentStore _store;
    private readonly RingFile _ring;
    private readonly MemoryFifo _fifo;
    private readonly JournalRecorder _recorder;
    private readonly JournalDurability _durability;
    private readonly DeferredBackingSyncs? _deferred;
    private readonly MountBaseline? _baseline;
    private readonly JournalCommits? _commits;
    private readonly ILogger _logger;
    private readonly MountLocks _locks;
    private bool _disposed;
    private bool _drained;

    private MountJournal(MountJournalOptions options, SegmentStore store, RingFile ring, MemoryFifo fifo, MountRecovery recovery, DeferredBackingSyncs? deferred, MountBaseline? baseline, JournalBinding binding, MountLocks locks)
    {
        Binding = binding;
        _locks = locks;
        Options = options;
        _store = store;
        _ring = ring;
        _fifo = fifo;
        Recovery = recovery;
        // The journal's disk filling up or having room again, and the journal stopping, are
        // logged on the FIFO's drain thread; a failed checkpoint on the checkpoint thread.
        _logger = options.LoggerFactory.CreateLogger<MountJournal>();
        _durability = new JournalDurability(fifo, store, options.Sync, _logger);
        _deferred = deferred;
        _recorder = new JournalRecorder(fifo, new BackingPaths(options.BackingDirectory), _durability, options.Reversible, store.Header.Version, deferred);
        deferred?.Start(_recorder.NextIdWithNothingInFlight);
        _commits = options.CommitInterval > TimeSpan.Zero ? new JournalCommits(fifo, store, options.CommitInterval) : null;
        _baseline = baseline;
        if (baseline is not null)
        {
            _recorder.Coverage = baseline.Coverage;
            baseline.Start(_recorder.Namespace, fifo, _durability, options.BaselineRate, () => _recorder.Operations);
        }
        fifo.FullChanged += full =>
        {
            if (full is null)
                RecordingLog.JournalHasRoom(_logger, options.Directory);
            else
                RecordingLog.JournalFull(_logger, options.Directory, full.Message, (long)fifo.Options.FullRetry.TotalMilliseconds, fifo.WrittenPosition - fifo.SentPosition);
        };
        fifo.Failed += failure => RecordingLog.JournalStopped(_logger, options.Directory, failure.Message);
    }

    public MountJournalOptions Options { get; }

    /// <summary>What opening found and did: the store's repairs and the unfinished changes it resolved.</summary>
    public MountRecovery Recovery { get; }

    public JournalHeader Header => _store.Header;

    /// <summary>The backing directory this journal is bound to: its identity, and whether its mark is stored.</summary>
    public JournalBinding Binding { get; }

    /// <summary>Hand this to the passthrough: every change it makes becomes a transaction.</summary>
    public IChangeRecorder Recorder => _recorder;

    /// <summary>
    /// The passthrough serving this journal's changes: where to find a current name of a
    /// hard-linked file whose descriptor's own name was unlinked.
    /// </summary>
    public void Attach(ILiveNames names) => _recorder.Names = names;

    /// <summary>
    /// The recording of what the backing directory held before the journal, or was changed to
    /// while no mount ran (docs/journal-format.md 3.5); <see cref="BaselineState.None"/> for a
    /// journal older than format version 3.
    /// </summary>
    public BaselineProgress Baseline => _baseline?.Progress ?? NoBaseline;

    private static readonly BaselineProgress NoBaseline = new();

    /// <summary>The segment store, for readers such as replication senders (the journal alone appends to it).</summary>
    public SegmentStore Store => _store;

    /// <summary>The copies fsync waits for with <see cref="SyncMode.Remote"/>.</summary>
    public void WaitForCopies(IRemoteCopies copies) => _durability.Remote = copies;

    /// <summary>
    /// Opens (creating if needed) the journal in <see cref="MountJournalOptions.Directory"/>
    /// for <see cref="MountJournalOptions.BackingDirectory"/>, first completing what a
    /// killed mount left: its ring's records go to the store, and its changes in flight are
    /// settled against the backing directory.
    /// </summary>
    /// <exception cref="StoreDamagedException">The store is damaged beyond a torn tail.</exception>
    /// <exception cref="NotPrivateException">The journal directory is a symlink, another user's, or shared without <see cref="MountJournalOptions.AllowSharedJournal"/>.</exception>
    public static MountJournal Open(MountJournalOptions options)
    {
        var backing = LibC.RealPath(options.BackingDirectory) ?? Path.GetFullPath(options.BackingDirectory);
        var identity = BackingIdentity.Of(backing);
        var shared = StorePrivacy.PrepareForWriting(options.Directory, "the journal", options.AllowSharedJournal);
        if (shared.IsShared)
            RecordingLog.SharedJournal(options.LoggerFactory.CreateLogger<MountJournal>(), StorePrivacy.Warning(shared, "the journal"));
        var journal = LibC.RealPath(options.Directory) ?? Path.GetFullPath(options.Directory);
        var locks = TakeLocks(options, backing, identity, journal);
        var flags = options.Reversible ? JournalFlags.Reversible : JournalFlags.None;
        SegmentStore? store = null;
        RingFile? ring = null;
        StoreSink? sink = null;
        MemoryFifo? fifo = null;
        DeferredBackingSyncs? deferred = null;
        MountBaseline? baseline = null;
        try
        {
            // A new journal gets a new id; an existing store keeps its own (and refuses any
            // other). A new one is made only once the binding allows it.
            var exists = System.IO.Directory.EnumerateFiles(options.Directory, "*.vseg").Any();
            BindingPlan binding;
            if (exists)
            {
                store = SegmentStore.Open(options.Directory, new StoreOptions { AbortUnfinished = false });
                binding = BackingBinder.Check(journal, store.Header.JournalId, store.Header.MountRoot, backing, identity, options.RebindJournal);
                if (store.Header.IsReversible != options.Reversible)
                    throw new JournalMismatchException($"the journal in {options.Directory} is {(store.Header.IsReversible ? "" : "not ")}reversible; open it {(store.Header.IsReversible ? "with" : "without")} --reversible");
            }
            else
            {
                var header = JournalHeader.Create(Guid.NewGuid(), 1, Environment.MachineName, backing, flags);
                binding = BackingBinder.Check(journal, header.JournalId, null, backing, identity, options.RebindJournal);
                store = SegmentStore.Open(options.Directory, new StoreOptions { Header = header, AbortUnfinished = false });
            }
            var logger = options.LoggerFactory.CreateLogger<MountJournal>();
            binding.Apply();
            if (binding.Said is { } said)
                RecordingLog.Bound(logger, options.Directory, said);
            if (binding.MarkProblem is { } problem)
                RecordingLog.MarkNotStored(logger, backing, options.Directory, problem);
            var storeRecovery = store.Recovery;
            var ringPath = Path.Combine(options.Directory, RingFileName);
            var replayed = RingRecovery.Run(store, ringPath);
            // Every record of the old ring is in the store now, so it can be replaced; the
            // settling below only appends to the store, and a kill during it finds the same
            // transactions still open next time.
            ring = RingFile.Create(ringPath, options.RingSize, store.Header.JournalId);
            var settled = UnfinishedChangeRecovery.Settle(store, backing);
            var redone = DeferredSyncRecovery.Run(store, options.Directory, backing);
            // The journal won: the backing directory holds what it made durable. Whatever else
            // it holds now was changed while no mount ran, or was never recorded.
            if (store.Header.Version >= JournalFormat.FirstBaselineVersion)
                baseline = MountBaseline.Prepare(options.Directory, backing, store.Header.JournalId, store.LastTransactionId, logger);
            else if (System.IO.Directory.EnumerateFileSystemEntries(backing).Any())
                RecordingLog.NoBaseline(logger, options.Directory, store.Header.Version, backing);
            ring.RecordDrained(0, store.WrittenPosition);
            var recovery = new MountRecovery(storeRecovery, replayed, settled, redone);
            sink = new StoreSink(store, ring);
            fifo = new MemoryFifo(sink, new FifoOptions
            {
                Size = options.RingSize,
                FirstTransactionId = store.LastTransactionId + 1,
                RingFile = ring,
                // Room for the RESULT of every change in flight (one per FUSE reader) when
                // the journal's disk fills up with the ring full.
                BeginHeadroom = Math.Min(256 * 1024, options.RingSize / 8),
            });
            sink.Fifo = fifo;
            deferred = options.BackingSyncDelay > TimeSpan.Zero && options.Sync != SyncMode.None
                ? DeferredBackingSyncs.Open(options.Directory, backing, options.BackingSyncDelay, fifo.Options.FirstTransactionId, options.LoggerFactory.CreateLogger<DeferredBackingSyncs>())
                : null;
            return new MountJournal(options with { BackingDirectory = backing }, store, ring, fifo, recovery, deferred, baseline, binding.Binding, locks);
        }
        catch
        {
            baseline?.Dispose();
            deferred?.Dispose();
            fifo?.Dispose();
            sink?.Dispose();
            ring?.Dispose();
            store?.Dispose();
            locks.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes a journal directory that a refused start left with nothing but its lock file in
    /// it, for a caller that made the directory: a mistyped --journal leaves nothing behind.
    /// </summary>
    public static void RemoveIfUnused(string directory)
    {
        try
        {
            File.Delete(Path.Combine(directory, LockFileName));
            if (!System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
                System.IO.Directory.Delete(directory);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // Left as it is: an empty journal directory harms nothing.
        }
    }

    /// <summary>
    /// One mount per backing directory, whatever path reaches it (a lock named after its
    /// identity), and one per journal (a lock in the journal's directory), taken before
    /// anything of the journal is opened.
    /// </summary>
    /// <exception cref="MountInUseException">A running mount holds either; the message names it.</exception>
    private static MountLocks TakeLocks(MountJournalOptions options, string backing, BackingIdentity identity, string journal)
    {
        var holder = MountLockHolder.Current(options.MountPoint, backing, journal);
        var byBacking = MountLock.TakeBacking(options.LockDirectory, backing, identity, holder);
        try
        {
            var byJournal = MountLock.Take(Path.Combine(journal, LockFileName), holder, other => other is null
                ? $"the journal {journal} is in use by another process: one journal takes one mount at a time"
                : $"the journal {journal} is in use by the mount of {other.Backing} at {other.MountPoint} (pid {other.Pid}): one journal takes one mount at a time; 'vellum umount {other.MountPoint}' stops that mount, or give this one its own journal with --journal DIR");
            return new MountLocks(byBacking, byJournal);
        }
        catch
        {
            byBacking.Dispose();
            throw;
        }
    }

    private sealed record MountLocks(MountLock ByBacking, MountLock ByJournal) : IDisposable
    {
        public void Dispose()
        {
            ByJournal.Dispose();
            ByBacking.Dispose();
        }
    }

    /// <summary>Counters for `vellum status`.</summary>
    public JournalStatus Status() => new(
        _store.WrittenPosition,
        _store.DurablePosition,
        _store.LastTransactionId,
        _fifo.WrittenPosition - _fifo.AcknowledgedPosition,
        _fifo.Options.Size,
        _fifo.Stalls,
        _recorder.Operations,
        _store.SyncCount,
        _deferred?.Covered ?? 0,
        _deferred?.Count ?? 0,
        _fifo.Failure?.Message,
        _fifo.Full?.Message,
        _commits?.Interval ?? TimeSpan.Zero,
        _commits?.NotDurableFor ?? (JournalCommits.AllDurable(_fifo, _store) ? TimeSpan.Zero : null),
        _commits?.Commits ?? 0);

    /// <summary>Drains the FIFO, makes the store durable and closes everything. The mount must be gone.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Drain();
        _baseline?.Dispose();
        _ring.Dispose();
        _store.Dispose();
        _locks.Dispose();
    }

    /// <summary>
    /// Drains and syncs as <see cref="Drain"/> does, for a process about to exit while the
    /// mount may still have requests inside it (stopped without waiting for them): gives up
    /// after <paramref name="patience"/>, since a journal disk that stopped answering would
    /// otherwise hold the process forever. False when it did not finish: what the store did
    /// not get is in the write-ahead ring file, which the next mount of this journal stores.
    /// Nothing is closed: the process exits next.
    /// </summary>
    public bool Finish(TimeSpan patience)
    {
        var finisher = new Thread(() =>
        {
            try
            {
                Drain();
            }
            catch (Exception failure) when (failure is IOException or ObjectDisposedException or InvalidOperationException)
            {
                RecordingLog.FinishFailed(_logger, Options.Directory, failure.Message);
            }
        })
        {
            IsBackground = true,
            Name = "vellum-journal-finish",
        };
        finisher.Start();
        return finisher.Join(patience);
    }

    /// <summary>
    /// Drains the FIFO into the store and makes the store durable, leaving the store open for
    /// readers (replication senders shipping the last records). The mount must be gone;
    /// nothing is recorded after this.
    /// </summary>
    public void Drain()
    {
        if (_drained)
            return;
        _drained = true;
        // The mount is gone: the last checkpoint syncs the backing files whose fsyncs the
        // journal answered and empties their table, so a clean unmount leaves nothing to redo.
        _baseline?.Stop();
        _commits?.Dispose();
        _deferred?.Dispose();
        _fifo.Dispose();
        (_fifo.Sink as IDisposable)?.Dispose();
        _recorder.Dispose();
        if (_fifo.Failure is not null)
            return;
        try
        {
            _store.WaitDurable(_store.WrittenPosition);
        }
        catch (StoreIOException failure)
        {
            // Whatever the store could not make durable is still in the write-ahead ring,
            // which the next mount replays.
            RecordingLog.LastRecordsNotDurable(_logger, Options.Directory, failure.Message);
            return;
        }
        _baseline?.SaveAtStop(_store.LastTransactionId);
    }
}

/// <summary>A journal's positions and counters at one moment.</summary>
public readonly record struct JournalStatus(
    long WrittenPosition,
    long DurablePosition,
    ulong LastTransactionId,
    ulong FifoBytesInUse,
    int FifoSize,
    long Stalls,
    long Operations,
    long Syncs,
    long FsyncsAnsweredByJournal,
    int DeferredFiles,
    string? Failure,
    string? Full,
    TimeSpan CommitInterval,
    TimeSpan? NotDurableFor,
    long Commits);
