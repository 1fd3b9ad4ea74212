using Microsoft.Extensions.Logging;
using Vellum.Store;

namespace Vellum.Host;

/// <summary>A store's background scrub as the host runs it: damage logged with the command that repairs it, and repairs noticed.</summary>
internal static class StoreScrubbing
{
    /// <summary>What a scrub interval of zero means: no scrub.</summary>
    public static readonly TimeSpan Off = TimeSpan.Zero;

    /// <summary>A scrubber for <paramref name="store"/> (started), or null when <paramref name="interval"/> is <see cref="Off"/>.</summary>
    /// <param name="healing">Repairs a damaged segment from copies the store's owner knows (a mount's targets); null for none.</param>
    public static StoreScrubber? Start(SegmentStore store, TimeSpan interval, ILogger logger, string copyHint, DamageHealing? healing = null)
    {
        if (interval <= Off)
            return null;
        var scrubber = new StoreScrubber(store, interval,
            damage => HostLog.DamageFound(logger, store.Directory, damage.ToString(), $"vellum repair {store.Directory} --from {copyHint}"),
            repaired => HostLog.DamageRepaired(logger, repaired),
            healing is null ? null : healing.Heal);
        scrubber.Start();
        return scrubber;
    }

    public static ScrubStatusReply Reply(StoreScrubber? scrubber)
    {
        if (scrubber is null)
            return new ScrubStatusReply("off", 0, null, 0, 0, []);
        var status = scrubber.Status;
        return new ScrubStatusReply(status.Running ? "running" : "idle", status.Interval.TotalSeconds, status.LastPassEnded?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), status.SegmentsVerified, status.BytesVerified,
            [.. status.Damage.Select(d => new DamageStatusReply(d.File, d.Offset, d.Length, d.Position, d.Transactions, d.ToString()))]);
    }
}
