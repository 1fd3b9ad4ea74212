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

    private ServedMount(MountJournal? journal, PassthroughFileSystem backing, FuseMount mount, StatusServer? status)
    {
        _journal = journal;
        _backing = backing;
        _mount = mount;
        _status = status;
    }

    public MountJournal? Journal => _journal;

    public FuseSession Session => _mount.Session;

    /// <exception cref="FuseException">The mount was refused.</exception>
    /// <exception cref="Store.StoreDamagedException">The journal is damaged beyond a torn tail.</exception>
    public static ServedMount Start(string backing, string mountPoint, MountJournalOptions? journalOptions, bool usePassthrough)
    {
        var journal = journalOptions is null ? null : MountJournal.Open(journalOptions);
        PassthroughFileSystem? backingFileSystem = null;
        try
        {
            backingFileSystem = new PassthroughFileSystem(backing, journal?.Recorder);
            journal?.Attach(backingFileSystem);
            var mount = FuseMount.Mount(new PassthroughFuseFileSystem(backingFileSystem, usePassthrough), new FuseMountOptions
            {
                MountPoint = mountPoint,
                Source = backing,
                EnablePassthrough = usePassthrough,
            });
            var status = journal is null ? null : StatusServer.Start(mountPoint, journal);
            return new ServedMount(journal, backingFileSystem, mount, status);
        }
        catch
        {
            backingFileSystem?.Dispose();
            journal?.Dispose();
            throw;
        }
    }

    /// <summary>Serves until the mount goes away; SIGINT and SIGTERM unmount.</summary>
    public void Serve()
    {
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Unmount);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Unmount);
        _mount.Completion.Wait();

        void Unmount(PosixSignalContext context)
        {
            context.Cancel = true;
            _mount.RequestUnmount();
        }
    }

    public void Dispose()
    {
        _status?.Dispose();
        _mount.Dispose();
        _backing.Dispose();
        _journal?.Dispose();
    }
}
