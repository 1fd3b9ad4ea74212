using System.Runtime.InteropServices;
using Vellum.Host;

namespace Vellum.Cli.Commands;

/// <summary>
/// What the signals do to a mount served in the foreground: the first Ctrl-C unmounts (waiting
/// for the files still open, and saying which), a second one stops without waiting; SIGTERM
/// unmounts and stops without waiting after <see cref="MountHost.StopGrace"/>. Registered
/// before the mount is announced, so a signal sent on seeing it up unmounts rather than kills.
/// </summary>
internal sealed class MountSignals : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _interrupts;

    public MountSignals(MountHost host)
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref _interrupts) == 1)
                host.RequestUnmount("Ctrl-C again stops without waiting: the journal keeps every change made so far, and the files still open get errors (ENOTCONN) until they are closed");
            else
                host.StopWithoutWaiting();
        });
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            host.RequestStop();
        });
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}
