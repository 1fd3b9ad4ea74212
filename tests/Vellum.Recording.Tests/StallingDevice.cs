using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A disk that can stall: its recorder holds every WRITE while the gate is closed, as a hung
/// or very slow journal disk would. Dispose opens the gate first.
/// </summary>
internal sealed class StallingDevice() : TestDevice("stalling-device")
{
    private readonly ManualResetEventSlim _gate = new(true);
    private readonly ManualResetEventSlim _held = new(false);

    public void Stall() => _gate.Reset();

    public void Resume() => _gate.Set();

    /// <summary>Returns once a write has been held at the closed gate.</summary>
    public bool WaitUntilHolding(TimeSpan patience) => _held.Wait(patience);

    [ThreadStatic]
    private static bool t_wasHeld;

    private int _inFlight;

    /// <summary>Returns once every write held at the gate has completed.</summary>
    public bool WaitUntilReleased(TimeSpan patience) => SpinWait.SpinUntil(() => Volatile.Read(ref _inFlight) == 0, patience);

    public override Errno Before(in Change change)
    {
        if (change.Kind != ChangeKind.Write || _gate.IsSet)
            return Errno.Success;
        Interlocked.Increment(ref _inFlight);
        t_wasHeld = true;
        _held.Set();
        _gate.Wait();
        return Errno.Success;
    }

    public override Errno After(in Change change, in ChangeOutcome outcome)
    {
        if (t_wasHeld)
        {
            t_wasHeld = false;
            Interlocked.Decrement(ref _inFlight);
        }
        return Errno.Success;
    }

    protected override void Dispose(bool disposing)
    {
        _gate.Set();
        base.Dispose(disposing);
        if (disposing)
        {
            _gate.Dispose();
            _held.Dispose();
        }
    }
}
