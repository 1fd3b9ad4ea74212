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

    public static ChangeScope Begin(IChangeRecorder? recorder, in Change change, Node node, Node? other = null)
    {
        if (recorder is null)
        {
            return default;
        }
        if (other == node)
        {
            other = null;
        }
        var (first, second) = other is not null && other.Id < node.Id ? (other, node) : (node, other);
        var scope = new ChangeScope(recorder, first, second);
        scope.Enter();
        try
        {
            recorder.Before(in change);
        }
        catch
        {
            scope.Exit();
            throw;
        }
        return scope;
    }

    public void End(in Change change, in ChangeOutcome outcome)
    {
        if (_recorder is null)
        {
            return;
        }
        try
        {
            _recorder.After(in change, in outcome);
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
