namespace Vellum.Store;

/// <summary>
/// Early writeback. A machine with plenty of memory keeps gigabytes of appended segment bytes
/// dirty until a sync (the kernel starts writing back on its own only at 10 % of memory), so
/// the sync that finally comes writes them all while the disk sat idle before. Every
/// <see cref="WritebackStep"/> bytes appended, the store asks the kernel to start writing them
/// back, without waiting; the next sync then has only the last few megabytes left. Only the
/// timing of writes changes: durability is still the sync's alone.
/// </summary>
public sealed partial class SegmentStore
{
    private const long WritebackStep = 8L * 1024 * 1024;

    /// <summary>Under the append lock, after an append to <paramref name="segment"/>.</summary>
    private static void StartWritebackLocked(Segment segment)
    {
        if (segment.Length - segment.WritebackStarted < WritebackStep || segment.Writer is not { } writer)
            return;
        writer.StartWriteback(segment.WritebackStarted, segment.Length - segment.WritebackStarted);
        segment.WritebackStarted = segment.Length;
    }
}
