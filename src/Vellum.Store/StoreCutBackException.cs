namespace Vellum.Store;

/// <summary>
/// The store's disk filled up while syncing (fdatasync or fsync returned ENOSPC or EDQUOT):
/// the bytes after the durable position may never reach the disk, and the page cache that
/// still shows them cannot be trusted, so the store cut itself back to
/// <see cref="DurablePosition"/>. Everything below it is intact; whoever appended the records
/// after it appends them again (from a copy of its own) once there is room. Thrown by the
/// sync that failed, by every wait for a position the cut removed, and by a conditional
/// append (<see cref="SegmentStore.Append(ReadOnlySpan{byte}, long)"/>) that expected the store to end elsewhere.
/// </summary>
public sealed class StoreCutBackException : StoreIOException
{
    public StoreCutBackException(string message, long durablePosition, Exception inner)
        : base(message, inner)
    {
        DurablePosition = durablePosition;
    }

    public StoreCutBackException()
    {
    }

    public StoreCutBackException(string message)
        : base(message)
    {
    }

    public StoreCutBackException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Where the store ends after the cut: its durable position when the sync failed.</summary>
    public long DurablePosition { get; }
}
