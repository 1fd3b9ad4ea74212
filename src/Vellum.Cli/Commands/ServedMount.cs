using Vellum.Fuse;
using Vellum.FuseAdapter;
using Vellum.Passthrough;
using Vellum.Recording;

namespace Vellum.Cli.Commands;

/// <summary>
/// A mount this process serves: the journal (unless none), the passthrough over the backing
/// directory, the FUSE mount and, journaled, the status socket. Serve blocks until the mount
/// goes away (Ctrl-C, SIGTERM, `vellum umount`); Dispose takes everything down in order,
/// the journal last so it drains and syncs what the mount wrote.
/// </summary>
/// <remarks>
/// Stopping: <see cref="StopRequests"/> turns Ctrl-C, SIGTERM and a detach from outside into an unmount; a
/// `vellum umount` of a busy mount aborts the connection, which ends the session even with a
/// request stuck inside the filesystem (a journal whose disk hangs). Stopping without
/// waiting refuses every further request (ENOTCONN), gives the journal
/// <see cref="JournalPatience"/> to store and sync what it holds, and exits: a journal that
/// cannot finish in time keeps every change in its write-ahead ring file for the next mount,
/// and the kernel completes the detach when the last file is closed.
/// </remarks>
internal sealed class ServedMount : IDisposable
{
    /// <summary>How long a session whose connection is gone waits for a reader stuck inside the filesystem.</summary>
    private static readonly TimeSpan DisconnectGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long stopping without waiting gives the journal to store and sync what it holds.</summary>
    private static readonly TimeSpan JournalPatience = TimeSpan.FromSeconds(5);

    private readonly StopRequests _stopRequests;
    private bool _stoppedWithoutWaiting;
    private bool _disposed;

    private readonly MountJournal? _journal;
    private readonly PassthroughFileSystem _backing;
    private readonly FuseMount _mount;
    private readonly StatusServer? _status;
    private readonly MountReplication? _replication;
    /// <summary>How long an unmount waits for connected replication targets to acknowledge the journal's last records.</summary>
    private static readonly TimeSpan FinishPatience = TimeSpan.FromSeconds(10);

    private ServedMount(MountJournal? journal, MountReplication? replication, PassthroughFileSystem backing, FuseMount mount, StatusServer? status)
    {
        _journal = journal;
        _replication = replication;
        _backing = backing;
        _mount = mount;
        _status = status;
        // Before the caller says the mount is up: a signal sent on seeing that must unmount,
        // not kill the process with the mount still there.
        _stopRequests = new StopRequests(mount);
    }

    public MountJournal? Journal => _journal;

    /// <summary>The senders to replication targets; null when not replicating.</summary>
    public MountReplication? Replication => _replication;

    public FuseSession Session => _mount.Session;

    /// <exception cref="FuseException">The mount was refused.</exception>
    /// <exception cref="Store.StoreDamagedException">The journal is damaged beyond a torn tail.</exception>
    public static ServedMount Start(string backing, string mountPoint, MountJournalOptions? journalOptions, bool usePassthrough, ReplicationOptions? replicationOptions = null)
    {
        var journal = journalOptions is null ? null : MountJournal.Open(journalOptions);
        if (journal is not null)
            journal.Notice += line => Console.Error.WriteLine($"vellum: {line}");
        PassthroughFileSystem? backingFileSystem = null;
        MountReplication? replication = null;
        try
        {
            if (journal is not null && replicationOptions is not null)
                replication = MountReplication.Start(journal, replicationOptions, line => Console.Error.WriteLine($"vellum: {line}"));
            backingFileSystem = new PassthroughFileSystem(backing, journal?.Recorder);
            journal?.Attach(backingFileSystem);
            var mount = FuseMount.Mount(new PassthroughFuseFileSystem(backingFileSystem, usePassthrough), new FuseMountOptions
            {
                MountPoint = mountPoint,
                Source = backing,
                EnablePassthrough = usePassthrough,
                PosixAcl = true,
                Logger = StandardErrorLogger.Instance,
            });
            var status = journal is null ? null : StatusServer.Start(mountPoint, journal, replication);
            return new ServedMount(journal, replication, backingFileSystem, mount, status);
        }
        catch
        {
            backingFileSystem?.Dispose();
            replication?.Dispose();
            journal?.Dispose();
            throw;
        }
    }

    /// <summary>Whether the journal could not store everything before the process stopped without waiting (it is in the write-ahead ring).</summary>
    public bool JournalUnfinished { get; private set; }

    /// <summary>
    /// Serves until the mount goes away, or until it is stopped without waiting for it (see
    /// the remarks); SIGINT and SIGTERM (from start on) unmount.
    /// </summary>
    public void Serve()
    {
        var disconnected = _mount.Session.Disconnected.ContinueWith(_ => Task.Delay(DisconnectGrace), TaskScheduler.Default).Unwrap();
        Task.WaitAny(_mount.Completion, _stopRequests.StopNow, disconnected);
        _stoppedWithoutWaiting = !_mount.Completion.IsCompleted;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stopRequests.Dispose();
        _status?.Dispose();
        if (_stoppedWithoutWaiting)
        {
            StopWithoutWaiting();
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
    }

    /// <summary>
    /// The mount is detached but still held (open files, or a request stuck in the filesystem):
    /// nothing more reaches the filesystem, the connection is aborted (programs waiting on it
    /// get ENOTCONN, and the kernel completes the detach once they close their files), the
    /// journal gets <see cref="JournalPatience"/> to finish, and the rest is left to the
    /// process's exit. A thread blocked in a write to a journal disk that hangs holds that
    /// exit back until the disk answers (Linux waits out I/O already in a driver's or a FUSE
    /// server's hands), but nothing waits for the process any more.
    /// </summary>
    private void StopWithoutWaiting()
    {
        _mount.Session.Refuse();
        _mount.AbortConnection();
        if (_journal is null || _journal.Finish(JournalPatience))
            return;
        JournalUnfinished = true;
        Console.Error.WriteLine($"vellum: the journal {_journal.Options.Directory} did not finish within {JournalPatience.TotalSeconds:0} s (its disk does not answer): every change made through the mount is in its write-ahead ring file, which the next mount with this journal stores");
    }
}
