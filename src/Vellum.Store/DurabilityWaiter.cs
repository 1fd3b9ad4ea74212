namespace Vellum.Store;

/// <summary>
/// One committer asleep in <see cref="SegmentStore.WaitDurable"/>: the position it needs and
/// the event the sync leader sets when that position is durable, or when it hands the next
/// sync to this committer (<see cref="Lead"/>). One per thread, reused.
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
