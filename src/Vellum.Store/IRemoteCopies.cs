namespace Vellum.Store;

/// <summary>
/// The store's copies elsewhere (replication targets), which a synchronous remote fsync waits
/// for. Spoken in store positions: a copy holds the same bytes at the same positions.
/// </summary>
public interface IRemoteCopies
{
    /// <summary>
    /// Returns once every copy holds the store's bytes below <paramref name="storePosition"/>
    /// durably: null; or, when some copy did not within the configured time, which one and why
    /// (the caller's fsync then fails, while the records keep being sent).
    /// </summary>
    UnacknowledgedCopy? WaitDurable(long storePosition);
}
