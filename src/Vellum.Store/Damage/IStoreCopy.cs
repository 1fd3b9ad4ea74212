namespace Vellum.Store;

/// <summary>
/// Another store of the same journal that a repair takes bytes from: replicas hold the
/// source's bytes at the same store positions, so a position means the same on both.
/// </summary>
public interface IStoreCopy : IAsyncDisposable
{
    /// <summary>How the copy is named in messages (a directory, an address).</summary>
    string Name { get; }

    /// <summary>Checks that the copy is of the journal whose first record (its sync point at position 0) is <paramref name="firstRecord"/>.</summary>
    /// <exception cref="StoreRepairException">Another journal, or another history of it (<see cref="StoreRepairException.OtherJournal"/>); or the copy cannot be reached.</exception>
    ValueTask CheckSameJournalAsync(byte[] firstRecord, CancellationToken cancellation);

    /// <summary>The copy's bytes at store positions [<paramref name="position"/>, +<paramref name="length"/>), or null when it does not hold them all.</summary>
    ValueTask<byte[]?> ReadAsync(long position, int length, CancellationToken cancellation);
}
