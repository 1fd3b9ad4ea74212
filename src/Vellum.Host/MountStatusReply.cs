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
    BaselineStatusReply Baseline)
{
    /// <summary>The background scrub of the journal's sealed segments, and the damage it knows of.</summary>
    public ScrubStatusReply Scrub { get; init; } = new("off", 0, null, 0, 0, []);
}

/// <summary>
/// The scrub: <c>State</c> is "running" (a pass is reading), "idle" (between passes) or "off";
/// the counts are the current (or last) pass's; <c>Damage</c> lists every damaged stretch found
/// and not repaired since.
/// </summary>
public sealed record ScrubStatusReply(string State, double IntervalSeconds, string? LastPassEnded, int SegmentsVerified, long BytesVerified, IReadOnlyList<DamageStatusReply> Damage);

/// <summary>One damaged stretch of a segment file: where, which transactions have records in it, and the whole report.</summary>
public sealed record DamageStatusReply(string File, long Offset, long Length, long Position, IReadOnlyList<ulong> Transactions, string Description);

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

/// <summary>One replication target of the mount: whether a session is up, and how far it acknowledged the store durable.</summary>
public sealed record ReplicaStatusReply(string Target, bool Connected, long AcknowledgedDurable, long Sessions, string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MountStatusReply))]
internal sealed partial class StatusJson : JsonSerializerContext;
