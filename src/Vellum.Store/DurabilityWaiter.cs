namespace Vellum.Store;

/// <summary>
/// One committer asleep in <see cref="GroupCommit.WaitDurable"/>: the position it needs and
/// the event the round's leader sets when that position is durable, or when it hands the next
/// round to this committer (<see cref="Lead"/>). One per thread, reused.
/// </summary>
internal sealed class DurabilityWaiter
{
    public ManualResetEventSlim Signal { get; } = new(false, spinCount: 50);

    public long Position { get; private set; }

    public bool Lead { get; set; }

    public void Prepare(long position)
    {
        Position = position;
        Lead = false;
        Signal.Reset();
    }
}
