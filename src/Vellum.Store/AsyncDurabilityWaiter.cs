namespace Vellum.Store;

/// <summary>
/// One wait in <see cref="GroupCommit.WaitDurableAsync"/>: a task the sync round that covers
/// <see cref="Position"/> completes (or the round after a failure, a cut or closing, for the
/// wait to look again). Continuations run on the thread pool, never on the round's leader,
/// which completes it holding the group commit's lock.
/// </summary>
internal sealed class AsyncDurabilityWaiter(long position) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public long Position { get; } = position;

    public void Wake() => TrySetResult();

    public void Cancel(CancellationToken cancellation) => TrySetCanceled(cancellation);
}
