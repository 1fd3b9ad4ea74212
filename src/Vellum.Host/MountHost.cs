using Microsoft.Extensions.Logging;
using Vellum.Fuse;
using Vellum.FuseAdapter;
using Vellum.Passthrough;
using Vellum.Native;
using Vellum.Recording;
using Vellum.Recording.Binding;
using Vellum.Replication;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>
/// A mount served in this process: the journal (unless none), opened first so a killed
/// predecessor's changes are recovered, its replication, the passthrough over the backing
/// directory, the FUSE mount and, journaled, the status socket (a file in
/// <see cref="MountHostOptions.StatusDirectory"/>). <see cref="Run"/> serves until
/// the mount goes away; the shutdown then takes everything down in the order durability
/// depends on: the mount, the journal drained into its store, connected replication targets
/// given <see cref="FinishPatience"/> to acknowledge the last byte, then the senders and the
/// store.
/// </summary>
/// <remarks>
/// Stopping: <see cref="RequestUnmount"/> detaches the mount and waits for the files still
/// open on it, saying which; <see cref="RequestStop"/> and a detach from outside do the same
/// and stop without waiting after <see cref="StopGrace"/>; a `vellum umount` of a busy mount
/// aborts the connection, which ends the session even with a request stuck inside the
/// filesystem (a journal whose disk hangs). Stopping without waiting refuses every further
/// request (ENOTCONN), gives the journal <see cref="JournalPatience"/> to store and sync what
/// it holds, and closes the rest once the readers have left the filesystem: a journal that
/// cannot finish in time keeps every change in its write-ahead ring file for the next mount,
/// and the kernel completes the detach when the last file is closed.
/// </remarks>
public sealed class MountHost : IDisposable
{
    /// <summary>How long <see cref="RequestStop"/> and a detach from outside wait for open files to close before stopping without them.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long a session whose connection is gone waits for a reader stuck inside the filesystem.</summary>
    private static readonly TimeSpan DisconnectGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long stopping without waiting gives the journal to store and sync what it holds.</summary>
    private static readonly TimeSpan JournalPatience = TimeSpan.FromSeconds(5);

    /// <summary>How long an unmount waits for connected replication targets to acknowledge the journal's last records.</summary>
    private static readonly TimeSpan FinishPatience = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly MountJournal? _journal;
    private readonly MountReplication? _replication;
    private readonly PassthroughFileSystem _backing;
    private readonly FuseMount _mount;
    private readonly StatusServer? _status;
    private readonly StoreScrubber? _scrubber;
    private readonly MountStopping _stopping;
    private readonly MountLock? _unjournaled;
    private int _shutDown;

    private MountHost(MountJournal? journal, MountReplication? replication, PassthroughFileSystem backing, FuseMount mount, StatusServer? status, StoreScrubber? scrubber, ILogger logger, MountLock? unjournaled)
    {
        _unjournaled = unjournaled;
        _journal = journal;
        _scrubber = scrubber;
        _replication = replication;
        _backing = backing;
        _mount = mount;
        _status = status;
        _logger = logger;
        _stopping = new MountStopping(mount, StopGrace, logger);
        var disconnected = mount.Session.Disconnected.ContinueWith(_ => Task.Delay(DisconnectGrace), TaskScheduler.Default).Unwrap();
        Completion = Task.WhenAny(mount.Completion, _stopping.StopNow, disconnected);
    }

    /// <summary>The journal; null for a mount without one.</summary>
    public MountJournal? Journal => _journal;

    /// <summary>The journal's background scrub; null without a journal or with the scrub off.</summary>
    public StoreScrubber? Scrubber => _scrubber;

    /// <summary>The senders to replication targets; empty when not replicating.</summary>
    public IReadOnlyList<ReplicationSender> Senders => _replication?.Senders ?? [];

    public FuseSession Session => _mount.Session;

    /// <summary>The mountpoint as a full path.</summary>
    public string MountPoint => _mount.MountPoint;

    /// <summary>
    /// Completes when serving is over: the mount went away (unmounted and released), it is to
    /// stop without waiting for the files that hold it, or its connection is gone.
    /// </summary>
    public Task Completion { get; }

    /// <summary>Whether the shutdown stopped without waiting for the mount to be released.</summary>
    public bool StoppedWithoutWaiting { get; private set; }

    /// <summary>Whether the journal could not store everything when stopped without waiting (it is in the write-ahead ring).</summary>
    public bool JournalUnfinished { get; private set; }

    /// <summary>
    /// Opens the journal (recovering what a killed mount left), starts replicating it, and
    /// mounts <see cref="MountHostOptions.Backing"/> at <see cref="MountHostOptions.MountPoint"/>.
    /// On failure nothing is left mounted and everything opened is closed.
    /// </summary>
    /// <exception cref="MountStartException">The journal's directory cannot be made, or the status socket (its directory is not this user's own, or another server answers there).</exception>
    /// <exception cref="FuseException">The mount was refused.</exception>
    /// <exception cref="Store.StoreDamagedException">The journal is damaged beyond a torn tail.</exception>
    /// <exception cref="Recording.Binding.MountInUseException">A running mount has the backing directory or the journal.</exception>
    /// <exception cref="JournalMismatchException">The backing directory is bound to another journal, or the journal to another directory.</exception>
    public static MountHost Start(MountHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggers = options.LoggerFactory;
        // Before the journal opens: a status directory someone else planted refuses the mount at once.
        if (options.Journal is not null)
            StatusSocketDirectory.Prepare(options.StatusDirectory);
        var journal = options.Journal is { } journalOptions ? OpenJournal(journalOptions with { LoggerFactory = loggers, MountPoint = journalOptions.MountPoint ?? Path.GetFullPath(options.MountPoint) }) : null;
        var unjournaled = journal is null ? LockUnjournaled(options) : null;
        PassthroughFileSystem? backing = null;
        MountReplication? replication = null;
        FuseMount? mount = null;
        StoreScrubber? scrubber = null;
        try
        {
            if (journal is not null && options.Replication is { } replicationOptions)
                replication = MountReplication.Start(journal, replicationOptions, loggers.CreateLogger<ReplicationSender>());
            backing = new PassthroughFileSystem(options.Backing, journal?.Recorder);
            journal?.Attach(backing);
            mount = FuseMount.Mount(new PassthroughFuseFileSystem(backing, options.Passthrough), new FuseMountOptions
            {
                MountPoint = options.MountPoint,
                Source = options.Backing,
                EnablePassthrough = options.Passthrough,
                PosixAcl = true,
                Logger = loggers.CreateLogger<FuseSession>(),
            });
            var logger = loggers.CreateLogger<MountHost>();
            // Started after the mount: a journal found damaged still takes new changes (reported loudly), and the mount must come up.
            scrubber = journal is null ? null : StoreScrubbing.Start(journal.Store, options.ScrubInterval, logger,
                options.Replication is { Targets.Count: > 0 } replicated ? replicated.Targets[0].ToString() : "COPY",
                replication is null ? null : new DamageHealing(journal.Options.Directory, replication, logger));
            var status = journal is null ? null : StatusServer.Start(options.StatusDirectory, mount.MountPoint, journal, replication, scrubber, logger);
            return new MountHost(journal, replication, backing, mount, status, scrubber, logger, unjournaled);
        }
        catch
        {
            scrubber?.Dispose();
            mount?.Dispose();
            backing?.Dispose();
            replication?.Dispose();
            journal?.Dispose();
            unjournaled?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A mount without a journal takes its backing directory's lock too: changes through it
    /// would be missing from the journal of a journaled mount running beside it.
    /// </summary>
    private static MountLock LockUnjournaled(MountHostOptions options)
    {
        var backing = LibC.RealPath(options.Backing) ?? Path.GetFullPath(options.Backing);
        return MountLock.TakeBacking(MountLock.DefaultDirectory, backing, BackingIdentity.Of(backing), MountLockHolder.Current(Path.GetFullPath(options.MountPoint), backing, ""));
    }

    /// <summary>Opens the journal, first making its directory, so that failing to is said in words rather than .NET's.</summary>
    private static MountJournal OpenJournal(MountJournalOptions options)
    {
        if (File.Exists(options.Directory))
            throw new MountStartException($"the journal {options.Directory} is a file; a journal is a directory");
        for (var ancestor = Path.GetDirectoryName(options.Directory); ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
        {
            if (File.Exists(ancestor))
                throw new MountStartException($"cannot create the journal directory {options.Directory}: {ancestor} is a file");
        }
        bool created;
        try
        {
            created = OwnerOnly.CreateDirectory(options.Directory, "the journal");
        }
        catch (NotPrivateException refused)
        {
            throw new MountStartException(refused.Message, refused);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new MountStartException($"cannot create the journal directory {options.Directory}: {Reason(failure)}", failure);
        }
        try
        {
            return MountJournal.Open(options);
        }
        catch (NotPrivateException refused)
        {
            throw new MountStartException(refused.Message, refused);
        }
        catch (Recording.Baseline.JournalSpaceException full)
        {
            throw new MountStartException(full.Message, full);
        }
        catch when (created)
        {
            MountJournal.RemoveIfUnused(options.Directory);
            throw;
        }
    }

    /// <summary>The system's words for a failed file operation (.NET's put the path after them).</summary>
    private static string Reason(Exception failure) => failure switch
    {
        UnauthorizedAccessException => "permission denied",
        SystemCallException call => call.Errno.Text,
        IOException { HResult: > 0 } io => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(io.HResult),
        _ => failure.Message,
    };

    /// <summary>
    /// Detaches the mount (a lazy unmount): it goes once no file is open on it; meanwhile the
    /// log says once a second, when it changes, which files it waits for, followed by
    /// <paramref name="nextStep"/> when given (what stopping without waiting would take).
    /// </summary>
    public void RequestUnmount(string? nextStep = null) => _stopping.Unmount(nextStep);

    /// <summary>Detaches the mount and stops without waiting after <see cref="StopGrace"/> (SIGTERM).</summary>
    public void RequestStop() => _stopping.StopAfterGrace();

    /// <summary>Ends serving now, with files still open on the mount: see the remarks.</summary>
    public void StopWithoutWaiting() => _stopping.StopWithoutWaiting();

    /// <summary>Serves until <see cref="Completion"/>, then shuts down in order (see the class summary).</summary>
    public void Run()
    {
        Completion.Wait();
        Shutdown();
    }

    /// <summary>Unmounts, waits for the mount to be released (files still open keep it until they close, or until <see cref="StopWithoutWaiting"/>), and shuts down in order.</summary>
    public void Stop()
    {
        RequestUnmount();
        Run();
    }

    /// <summary>Stops if still serving: unmounts, and stops without waiting when the mount is still held after a moment.</summary>
    public void Dispose()
    {
        if (!Completion.IsCompleted)
        {
            RequestUnmount();
            if (!Completion.Wait(DisconnectGrace))
                StopWithoutWaiting();
        }
        Shutdown();
    }

    private void Shutdown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) != 0)
            return;
        _stopping.Dispose();
        _status?.Dispose();
        _scrubber?.Dispose();
        if (!_mount.Completion.IsCompleted)
        {
            ShutDownWithoutWaiting();
            return;
        }
        _mount.Dispose();
        _backing.Dispose();
        if (_journal is not null && _replication is not null)
        {
            _journal.Drain();
            _replication.Finish(_journal.Store.WrittenPosition, FinishPatience);
        }
        _replication?.Dispose();
        _journal?.Dispose();
        _unjournaled?.Dispose();
    }

    /// <summary>
    /// The mount is detached but still held (open files, or a request stuck in the filesystem):
    /// nothing more reaches the filesystem, the connection is aborted (programs waiting on it
    /// get ENOTCONN, and the kernel completes the detach once they close their files), and the
    /// journal gets <see cref="JournalPatience"/> to finish. Once it has and the readers have
    /// left the filesystem, the rest closes as after an unmount; otherwise it is left to the
    /// process's exit. A thread blocked in a write to a journal disk that hangs holds that exit
    /// back until the disk answers (Linux waits out I/O already in a driver's or a FUSE
    /// server's hands), but nothing waits for the process any more.
    /// </summary>
    private void ShutDownWithoutWaiting()
    {
        StoppedWithoutWaiting = true;
        // Detached already when asked to stop by an unmount first (as the CLI does); not otherwise.
        _mount.RequestUnmount();
        _mount.Session.Refuse();
        _mount.AbortConnection();
        if (_journal is not null && !_journal.Finish(JournalPatience))
        {
            JournalUnfinished = true;
            HostLog.JournalUnfinished(_logger, _journal.Options.Directory, (int)JournalPatience.TotalSeconds);
            return;
        }
        if (!_mount.Completion.Wait(DisconnectGrace))
            return;
        _mount.Dispose();
        _backing.Dispose();
        _replication?.Dispose();
        _journal?.Dispose();
        _unjournaled?.Dispose();
    }
}
