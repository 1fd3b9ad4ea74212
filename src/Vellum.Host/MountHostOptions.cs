using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vellum.Recording;

namespace Vellum.Host;

/// <summary>What <see cref="MountHost.Start"/> serves, where, and how.</summary>
public sealed record MountHostOptions
{
    /// <summary>The directory the mount passes through to.</summary>
    public required string Backing { get; init; }

    /// <summary>An empty directory; a stale mount left there by a killed daemon is cleared first.</summary>
    public required string MountPoint { get; init; }

    /// <summary>The journal every change goes to; null for a mount without one.</summary>
    public MountJournalOptions? Journal { get; init; }

    /// <summary>Hand reads of files nobody has open for writing to the kernel (FUSE passthrough).</summary>
    public bool Passthrough { get; init; } = true;

    /// <summary>Where the journal is replicated to; null (or no targets) for nowhere. Needs <see cref="Journal"/>.</summary>
    public MountReplicationOptions? Replication { get; init; }

    /// <summary>How often the journal's sealed segments are re-read and verified (the first pass starts with the mount); zero: never.</summary>
    public TimeSpan ScrubInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Where a journaled mount's status socket goes (<see cref="StatusSocketDirectory.Default"/>:
    /// /run/vellum/status as root); made if missing, refused if someone else made it.
    /// </summary>
    public string StatusDirectory { get; init; } = StatusSocketDirectory.Default;

    /// <summary>Where the mount, its journal and its replication log; passed down to every layer.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
