using System.Globalization;

namespace Vellum.Replication;

/// <summary>
/// What a source knows of one target at a moment: its <see cref="Condition"/> since when and
/// why, when it is asked next, and what it last said it holds: durable and received store
/// positions, the highest transaction it holds whole, and its <see cref="Report"/> (its mirror,
/// its disk), which targets speaking protocol version 3 or later send.
/// </summary>
public sealed record ReplicationTargetState(
    TargetCondition Condition,
    DateTimeOffset Since,
    string? LastError,
    DateTimeOffset? NextAttempt,
    long Attempts,
    ushort Protocol,
    long AcknowledgedDurable,
    long Received,
    ulong TargetTransactionId,
    ulong MirrorApplied,
    TargetReport? Report)
{
    /// <summary>The condition as one word or phrase: "connected", "authentication failed", "disk full at the target", ...</summary>
    public string Name => Condition switch
    {
        TargetCondition.Connecting => "connecting",
        TargetCondition.Connected => "connected",
        TargetCondition.Unreachable => "unreachable",
        TargetCondition.AuthenticationFailed => "authentication failed",
        TargetCondition.Refused => "refused by the target",
        TargetCondition.DiskFull => "disk full at the target",
        TargetCondition.Stopped => "replication stopped",
        _ => Condition.ToString(),
    };

    /// <summary>The way out of the condition, in words; null when there is nothing to do.</summary>
    public string? WayOut => Condition switch
    {
        TargetCondition.AuthenticationFailed =>
            "give this mount the secret the target's --secrets file has for this journal (--secret-file), or pin the target's certificate (--tls-fingerprint, --tls-ca) as vellum serve printed it, and remount; if the target's --secrets file was wrong, fix it and restart vellum serve. Until then the target is asked less and less often (every 5 minutes at most)",
        TargetCondition.DiskFull => "free space on the target's store filesystem: the rest is sent once there is room, nothing is lost meanwhile (this mount's journal keeps it)",
        TargetCondition.Refused => "see the target's log for the journal; the refusal names what to change",
        TargetCondition.Stopped => "this mount's log has the fault; remount to replicate again (the journal keeps everything for the target)",
        _ => null,
    };

    /// <summary>The way out of a stopped mirror at the target, in words; null while it is not stopped.</summary>
    public string? MirrorWayOut => Report is { Mirror: TargetMirrorState.Stopped }
        ? "the target still receives and keeps the journal; fix what its mirror names and restart vellum serve, or mirror the target's store again into an empty directory"
        : null;

    /// <summary>
    /// Bytes of the source's store the target has not acknowledged durable: what the network
    /// still owes it; null before its first acknowledgement.
    /// </summary>
    public long? NetworkBehind(long sourcePosition) => AcknowledgedDurable < 0 ? null : Math.Max(0, sourcePosition - AcknowledgedDurable);

    /// <summary>Transactions the target holds whole that its mirror has not applied yet; null without a mirror or a report.</summary>
    public ulong? MirrorBehind => Report is { Mirror: not TargetMirrorState.None }
        ? TargetTransactionId > MirrorApplied ? TargetTransactionId - MirrorApplied : 0
        : null;

    /// <summary>The state in words, on one line: <see cref="DescribeLines"/> joined.</summary>
    public string Describe(long sourcePosition, DateTimeOffset now) => string.Join("; ", DescribeLines(sourcePosition, now));

    /// <summary>
    /// The state in words, for a status: first the condition (since when, the attempts, the
    /// next one), how far behind the target is and its own state, then, when something is
    /// wrong, the last error and the way out, a line each.
    /// </summary>
    public IReadOnlyList<string> DescribeLines(long sourcePosition, DateTimeOffset now)
    {
        var culture = CultureInfo.InvariantCulture;
        var summary = new List<string>();
        if (Condition is TargetCondition.Connecting or TargetCondition.Connected)
        {
            summary.Add(Name);
        }
        else
        {
            var next = Condition == TargetCondition.Stopped ? ", no more"
                : NextAttempt is { } at ? string.Create(culture, $", next in {Math.Max(0, (at - now).TotalSeconds):0} s")
                : ", trying now";
            summary.Add(string.Create(culture, $"{Name.ToUpperInvariant()} since {Since.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", culture)} ({Attempts:N0} attempt(s){next})"));
        }
        summary.Add(NetworkBehind(sourcePosition) switch
        {
            null => "nothing acknowledged yet",
            0 => string.Create(culture, $"received all (durable up to {AcknowledgedDurable:N0})"),
            var behind => string.Create(culture, $"network behind by {behind:N0} bytes (durable up to {AcknowledgedDurable:N0})"),
        });
        var target = Report switch
        {
            null when Protocol is > 0 and < WireFormat.TargetStateVersion => $"target state unknown (protocol version {Protocol})",
            null => "target state not reported yet",
            { Mirror: TargetMirrorState.Stopped } report => string.Create(culture, $"MIRROR STOPPED: {report.MirrorProblem}; mirror behind by {MirrorBehind:N0} transaction(s) (applied {MirrorApplied:N0} of {TargetTransactionId:N0})"),
            { Mirror: TargetMirrorState.Following } => MirrorBehind == 0
                ? string.Create(culture, $"mirror current (transaction {MirrorApplied:N0})")
                : string.Create(culture, $"mirror behind by {MirrorBehind:N0} transaction(s) (applied {MirrorApplied:N0} of {TargetTransactionId:N0})"),
            _ => "no mirror at the target",
        };
        // Away from the target, what it said is what it said when last heard.
        summary.Add(Report is not null && Condition != TargetCondition.Connected ? $"as last reported: {target}" : target);
        if (Report is { DiskFull: true } && Condition != TargetCondition.DiskFull)
            summary.Add("DISK FULL at the target");
        var lines = new List<string> { string.Join("; ", summary) };
        if (LastError is { } error && Condition is not (TargetCondition.Connecting or TargetCondition.Connected))
            lines.Add($"last error: {error}");
        foreach (var way in new[] { WayOut, MirrorWayOut }.OfType<string>())
            lines.Add($"what to do: {way}");
        return lines;
    }
}
