using Vellum.Native;
using Vellum.Passthrough.Inodes;

namespace Vellum.Passthrough;

/// <summary>
/// Brackets one change: takes the change locks (in node id order, so two-node changes
/// cannot deadlock), calls <see cref="IChangeRecorder.Before"/>, and on <see cref="End"/>
/// calls <see cref="IChangeRecorder.After"/> and releases the locks. Nothing between
/// <see cref="Begin"/> and <see cref="End"/> may throw, so there is no Dispose.
/// </summary>
internal readonly ref struct ChangeScope
{
    private readonly IChangeRecorder? _recorder;
    private readonly Node? _first;
    private readonly Node? _second;

    private ChangeScope(IChangeRecorder recorder, Node first, Node? second)
    {
        _recorder = recorder;
        _first = first;
        _second = second;
    }

    /// <summary>
    /// Opens the scope of a change of <paramref name="node"/> (and <paramref name="other"/>).
    /// Anything but <see cref="Errno.Success"/> is the recorder's refusal: the change must not
    /// run, the caller returns that errno, and there is nothing to end.
    /// </summary>
    public static Errno Begin(IChangeRecorder? recorder, in Change change, Node node, out ChangeScope scope) =>
        Begin(recorder, in change, node, null, out scope);

    public static Errno Begin(IChangeRecorder? recorder, in Change change, Node node, Node? other, out ChangeScope scope)
    {
        scope = default;
        if (recorder is null)
        {
            return Errno.Success;
        }
        if (other == node)
        {
            other = null;
        }
        var (first, second) = other is not null && other.Id < node.Id ? (other, node) : (node, other);
        var opened = new ChangeScope(recorder, first, second);
        opened.Enter();
        Errno refused;
        try
        {
            refused = recorder.Before(in change);
        }
        catch
        {
            opened.Exit();
            throw;
        }
        if (refused != Errno.Success)
        {
            opened.Exit();
            return refused;
        }
        scope = opened;
        return Errno.Success;
    }

    /// <summary>
    /// Reports the outcome and releases the locks. Returns the errno for the caller: the
    /// syscall's own, or the recorder's when a change that asked to be durable could not be.
    /// </summary>
    public Errno End(in Change change, in ChangeOutcome outcome)
    {
        if (_recorder is null)
        {
            return outcome.Result;
        }
        try
        {
            var recorded = _recorder.After(in change, in outcome);
            return outcome.Result == Errno.Success ? recorded : outcome.Result;
        }
        finally
        {
            Exit();
        }
    }

    private void Enter()
    {
        _first!.ChangeLock.Enter();
        _second?.ChangeLock.Enter();
    }

    private void Exit()
    {
        _second?.ChangeLock.Exit();
        _first!.ChangeLock.Exit();
    }
}
