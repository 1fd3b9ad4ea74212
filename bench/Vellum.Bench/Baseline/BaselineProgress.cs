using System.Text.Json;

namespace Vellum.Bench.Baseline;

/// <summary>
/// The <c>baseline</c> object of a journaled mount's status (`vellum status MNT --json`): how
/// far the recording of what the backing directory held at mount time has come, and what the
/// start-up comparison with the journal's manifest took.
/// </summary>
/// <param name="State">"running", "complete", "stopped" (failed or unmounted before completing), or "none" (not started yet, or a journal from before baselines).</param>
internal sealed record BaselineProgress(
    string State,
    long ObjectsDone,
    long ObjectsTotal,
    long BytesDone,
    long BytesTotal,
    double BytesPerSecond,
    double? EtaSeconds,
    double CheckSeconds,
    long CheckedObjects,
    long FoundChanges)
{
    public bool Complete => State == "complete";

    /// <summary>The baseline object of a status reply, or null when the mount reports none (a build from before issue 19).</summary>
    public static BaselineProgress? From(JsonElement status)
    {
        if (!status.TryGetProperty("baseline", out var baseline) || baseline.ValueKind != JsonValueKind.Object)
            return null;
        return new BaselineProgress(
            baseline.GetProperty("state").GetString() ?? "",
            Integer(baseline, "objects_done"),
            Integer(baseline, "objects_total"),
            Integer(baseline, "bytes_done"),
            Integer(baseline, "bytes_total"),
            Number(baseline, "bytes_per_second") ?? 0,
            Number(baseline, "eta_seconds"),
            Number(baseline, "check_seconds") ?? 0,
            Integer(baseline, "checked_objects"),
            Integer(baseline, "found_changes"));
    }

    private static long Integer(JsonElement baseline, string name) =>
        baseline.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static double? Number(JsonElement baseline, string name) =>
        baseline.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
