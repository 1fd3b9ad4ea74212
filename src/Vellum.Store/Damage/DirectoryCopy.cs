namespace Vellum.Store;

/// <summary>A copy that is a store directory on this machine: a mount's journal, or a <c>vellum serve</c> STORE/&lt;journal id&gt;.</summary>
public sealed class DirectoryCopy(string directory) : IStoreCopy
{
    public string Name => directory;

    public ValueTask CheckSameJournalAsync(byte[] firstRecord, CancellationToken cancellation)
    {
        if (!Directory.Exists(directory))
            throw new StoreRepairException($"the copy {directory} does not exist");
        if (StoreFiles.FirstRecord(directory) is not { } theirs)
            throw new StoreRepairException($"{directory} holds no readable store: no {SegmentName.For(0)} starting with a whole sync point") { OtherJournal = true };
        if (!theirs.AsSpan().SequenceEqual(firstRecord))
            throw new StoreRepairException($"the copy {directory} is a store of another journal (or another history of it): its first record (the sync point) differs from this store's") { OtherJournal = true };
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]?> ReadAsync(long position, int length, CancellationToken cancellation)
    {
        try
        {
            return ValueTask.FromResult(StoreFiles.TryRead(directory, position, length));
        }
        catch (StoreIOException)
        {
            // A copy whose disk will not give the bytes back does not hold them, for a repair.
            return ValueTask.FromResult<byte[]?>(null);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
