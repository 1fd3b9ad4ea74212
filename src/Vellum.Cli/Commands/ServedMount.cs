using System.Runtime.InteropServices;
using Vellum.Fuse;
using Vellum.Mount;
using Vellum.Passthrough;
using Vellum.Recording;

namespace Vellum.Cli.Commands;

/// <summary>
/// A mount this process serves: the journal (unless none), the passthrough over the backing
/// directory, the FUSE mount and, journaled, the status socket. Serve blocks until the mount
/// goes away (Ctrl-C, SIGTERM, `vellum umount`); Dispose takes everything down in order,
/// the journal last so it drains and syncs what the mount wrote.
/// </summary>
internal sealed class ServedMount : IDisposable
{
    private readonly MountJournal? _journal;
    private readonly PassthroughFileSystem _backing;
    private readonly FuseMount _mount;
    private readonly StatusServer? _status;
    private readonly MountReplication? _replication;
    /// <summary>How long an unmount waits for connected replication targets to acknowledge the journal's last records.</summary>
    private static readonly TimeSpan FinishPatience = TimeSpan.FromSeconds(10);

    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    private ServedMount(MountJournal? journal, MountReplication? replication, PassthroughFileSystem backing, FuseMount mount, StatusServer? status)
    {
        _journal = journal;
        _replication = replication;
        _backing = backing;
        _mount = mount;
        _status = status;
        // Before the caller says the mount is up: a signal sent on seeing that must unmount,
        // not kill the process with the mount still there.
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Unmount);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Unmount);
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
                Log = line => Console.Error.WriteLine($"vellum: {line}"),
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

    /// <summary>Serves until the mount goes away; SIGINT and SIGTERM (from start on) unmount.</summary>
    public void Serve() => _mount.Completion.Wait();

    private void Unmount(PosixSignalContext context)
    {
        context.Cancel = true;
        _mount.RequestUnmount();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _status?.Dispose();
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
}
