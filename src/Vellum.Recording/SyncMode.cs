namespace Vellum.Recording;

/// <summary>What fsync, fdatasync and O_SYNC / O_DSYNC writes wait for.</summary>
public enum SyncMode
{
    /// <summary>Nothing of the journal: it reaches the disk with the kernel's writeback (the loss window in ARCHITECTURE.md).</summary>
    None,

    /// <summary>Every transaction the call depends on is durable in the local store.</summary>
    Local,

    /// <summary>
    /// As <see cref="Local"/>, and then acknowledged durable by every replication target
    /// (<see cref="Store.IRemoteCopies"/>); past their timeout the call fails with EIO while the
    /// records stay in the local journal and keep being sent.
    /// </summary>
    Remote,
}
