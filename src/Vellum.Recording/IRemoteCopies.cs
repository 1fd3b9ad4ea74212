namespace Vellum.Recording;

/// <summary>The journal's copies elsewhere, which <see cref="SyncMode.Remote"/> waits for.</summary>
public interface IRemoteCopies
{
    /// <summary>Returns once every copy holds the store's bytes below <paramref name="storePosition"/> durably.</summary>
    /// <exception cref="TimeoutException">Some copy did not within the configured time; the caller's fsync fails with EIO.</exception>
    void WaitDurable(long storePosition);
}
