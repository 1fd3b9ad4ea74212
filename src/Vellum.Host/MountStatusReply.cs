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
    IReadOnlyList<ReplicaStatusReply> Replicas);

/// <summary>One replication target of the mount: whether a session is up, and how far it acknowledged the store durable.</summary>
public sealed record ReplicaStatusReply(string Target, bool Connected, long AcknowledgedDurable, long Sessions, string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MountStatusReply))]
internal sealed partial class StatusJson : JsonSerializerContext;
