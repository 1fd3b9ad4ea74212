using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vellum.Recording;

public sealed record MountJournalOptions
{
    /// <summary>The store directory; the write-ahead ring file lives in it too.</summary>
    public required string Directory { get; init; }

    /// <summary>The backing directory: paths in the journal are relative to it.</summary>
    public required string BackingDirectory { get; init; }

    /// <summary>
    /// Bind the backing directory to this journal on purpose, whatever it was bound to, and
    /// whatever directory the journal journaled before (data restored onto a new disk, or a
    /// journal lost): see <see cref="Binding.BackingBinder"/>.
    /// </summary>
    public bool RebindJournal { get; init; }

    /// <summary>Where the backing directory is mounted, for the message that refuses a second mount of it; null when not known.</summary>
    public string? MountPoint { get; init; }

    /// <summary>Where the locks of backing directories, by identity, are kept (<see cref="Binding.MountLock.DefaultDirectory"/>).</summary>
    public string LockDirectory { get; init; } = Binding.MountLock.DefaultDirectory;

    /// <summary>
    /// Use a journal directory whose modes or ACLs let other users in as it is, with a warning
    /// at every start, instead of refusing it (--allow-shared-journal; see <see cref="Store.StorePrivacy"/>).
    /// </summary>
    public bool AllowSharedJournal { get; init; }

    /// <summary>Transactions carry UNDO state captured before each change.</summary>
    public bool Reversible { get; init; }

    public SyncMode Sync { get; init; } = SyncMode.Local;

    /// <summary>
    /// How long the backing file's own sync may wait after an fsync the journal answered
    /// (<see cref="DeferredBackingSyncs"/>): the checkpoint interval. Zero: every fsync also
    /// syncs the backing file. Without <see cref="SyncMode.Local"/> or <see cref="SyncMode.Remote"/>
    /// nothing is deferred.
    /// </summary>
    public TimeSpan BackingSyncDelay { get; init; } = DefaultBackingSyncDelay;

    /// <summary>Five seconds, ext4's default commit interval: the redo after a power cut stays small.</summary>
    public static readonly TimeSpan DefaultBackingSyncDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The journal is made durable at least this often without an application's fsync
    /// (<see cref="JournalCommits"/>): what a power cut can take is bounded by it. Zero: only
    /// fsyncs and every 4 MiB of records make it durable.
    /// </summary>
    public TimeSpan CommitInterval { get; init; } = DefaultCommitInterval;

    /// <summary>One second: a filesystem's commit interval is seconds (ext4: 5), and a journal sync costs about one fdatasync.</summary>
    public static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromSeconds(1);

    /// <summary>The FIFO ring: large enough that a stalled fdatasync does not stall writers at once.</summary>
    public int RingSize { get; init; } = 16 << 20;

    /// <summary>How many bytes per second the baseline (recording what the backing directory held before the journal) reads at most; 0: as fast as it can while yielding to applications.</summary>
    public long BaselineRate { get; init; }

    /// <summary>Where the journal says what its operator should know (a full or failed disk, a failed checkpoint, a copy that did not acknowledge).</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
