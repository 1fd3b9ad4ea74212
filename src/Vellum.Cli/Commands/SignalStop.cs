using System.Runtime.InteropServices;

namespace Vellum.Cli.Commands;

/// <summary>
/// Ctrl-C and SIGTERM cancel <see cref="Token"/> instead of ending the process, so a command
/// stops between two of its steps and can say what it leaves behind. Disposing restores the
/// default handling.
/// </summary>
internal sealed class SignalStop : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration? _interrupt;
    private readonly PosixSignalRegistration? _terminate;

    /// <param name="enabled">False: the signals keep their default handling (a command with nothing to stop in between).</param>
    public SignalStop(bool enabled = true)
    {
        if (!enabled)
            return;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    public bool IsCancellationRequested => _stop.IsCancellationRequested;

    public void Dispose()
    {
        _interrupt?.Dispose();
        _terminate?.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
