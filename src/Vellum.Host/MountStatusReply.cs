using System.Text.Json.Serialization;

namespace Vellum.Host;

/// <summary>What a journaled mount reports to `vellum status` (also its --json output).</summary>
public sealed record MountStatusReply(
    string MountPoint,
    string Journal,
    string JournalId,
    string Sync,
    ulong LastTransactionId,
    long WrittenPosition,
    long DurablePosition,
    ulong FifoBytesInUse,
    int FifoSize,
    long Stalls,
    long Operations,
    double OperationsPerSecond,
    long Syncs,
    long FsyncsAnsweredByJournal,
    int DeferredFiles,
    string? Failure,
    string? Full,
    IReadOnlyList<ReplicaStatusReply> Replicas,
    BaselineStatusReply Baseline,
    CommitStatusReply Commit)
{
    /// <summary>The backing directory the journal is bound to; null from a mount older than bindings.</summary>
    public BindingStatusReply? Binding { get; init; }

    /// <summary>The background scrub of the journal's sealed segments, and the damage it knows of.</summary>
    public ScrubStatusReply Scrub { get; init; } = new("off", 0, null, 0, 0, []);
}

/// <summary>
/// The backing directory a journal is bound to (one directory, one journal): its path, its
/// identity, and the extended attribute holding its mark (null where none could be stored).
/// </summary>
public sealed record BindingStatusReply(string Backing, string Device, ulong Inode, string? Mark);

/// <summary>
/// The scrub: <c>State</c> is "running" (a pass is reading), "idle" (between passes) or "off";
/// the counts are the current (or last) pass's; <c>Damage</c> lists every damaged stretch found
/// and not repaired since.
/// </summary>
public sealed record ScrubStatusReply(string State, double IntervalSeconds, string? LastPassEnded, int SegmentsVerified, long BytesVerified, IReadOnlyList<DamageStatusReply> Damage);

/// <summary>One damaged stretch of a segment file: where, which transactions have records in it, and the whole report.</summary>
public sealed record DamageStatusReply(string File, long Offset, long Length, long Position, IReadOnlyList<ulong> Transactions, string Description);

/// <summary>
/// The journal's commit interval (0: none) and how long what is not yet durable may have waited at
/// most (null: unknown, with no commit interval); <c>Commits</c> counts the syncs it made because
/// no application's fsync came in time.
/// </summary>
public sealed record CommitStatusReply(double IntervalSeconds, double? NotDurableSeconds, long Commits);

/// <summary>
/// The recording of what the backing directory held before the journal (or was changed to while
/// no mount ran): <c>State</c> is "running", "complete", "stopped" or "none" (a journal older
/// than format version 3).
/// </summary>
public sealed record BaselineStatusReply(
    string State,
    long ObjectsDone,
    long ObjectsTotal,
    long BytesDone,
    long BytesTotal,
    double BytesPerSecond,
    double? EtaSeconds,
    double CheckSeconds,
    long CheckedObjects,
    long FoundChanges);

/// <summary>
/// One replication target of the mount: whether a session is up, how far it acknowledged the
/// store durable, and its state: <c>State</c> is "connecting", "connected", "unreachable",
/// "authentication_failed", "refused", "disk_full" or "stopped" (a fault of this side) (since <c>Since</c>, for
/// <c>LastError</c>); <c>Mirror</c> is the target's mirror of the journal as the target
/// reports it: "none", "following", "stopped" (for <c>MirrorProblem</c>) or "unknown" (a
/// target of protocol version 2, or none heard yet); <c>Words</c> says all of it as
/// `vellum status` prints it.
/// </summary>
public sealed record ReplicaStatusReply(
    string Target,
    bool Connected,
    long AcknowledgedDurable,
    long Sessions,
    string? Problem,
    string State,
    DateTimeOffset Since,
    string? LastError,
    double? NextAttemptSeconds,
    long Attempts,
    int Protocol,
    long Received,
    long? NetworkBehindBytes,
    string Mirror,
    string? MirrorProblem,
    ulong TargetTransactionId,
    ulong MirrorApplied,
    ulong? MirrorBehindTransactions,
    bool? TargetDiskFull,
    IReadOnlyList<string> Words);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MountStatusReply))]
internal sealed partial class StatusJson : JsonSerializerContext;
