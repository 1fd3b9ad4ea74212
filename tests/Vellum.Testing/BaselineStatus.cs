using System.Diagnostics;
using System.Text.Json;

namespace Vellum.Testing;

/// <summary>
/// The "baseline" object of `vellum status MOUNTPOINT --json`: how far the recording of what
/// the backing directory held is. <see cref="State"/> is "checking" (comparing the backing
/// directory with what the journal last recorded), "running", "complete" or "none".
/// </summary>
public sealed record BaselineStatus(string State, long ObjectsDone, long ObjectsTotal, long BytesDone, long BytesTotal,
    double? BytesPerSecond, double? EtaSeconds, double? CheckSeconds, long CheckedObjects, long FoundChanges)
{
    public const string Checking = "checking";
    public const string Running = "running";
    public const string Complete = "complete";

    public bool IsComplete => State == Complete;

    /// <exception cref="InvalidDataException">The status has no baseline object, or one without a field this reads.</exception>
    public static BaselineStatus Of(JsonElement status)
    {
        try
        {
            var baseline = status.GetProperty("baseline");
            return new BaselineStatus(
                baseline.GetProperty("state").GetString() ?? "",
                baseline.GetProperty("objects_done").GetInt64(),
                baseline.GetProperty("objects_total").GetInt64(),
                baseline.GetProperty("bytes_done").GetInt64(),
                baseline.GetProperty("bytes_total").GetInt64(),
                Number(baseline, "bytes_per_second"),
                Number(baseline, "eta_seconds"),
                Number(baseline, "check_seconds"),
                baseline.GetProperty("checked_objects").GetInt64(),
                baseline.GetProperty("found_changes").GetInt64());
        }
        catch (Exception missing) when (missing is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"no baseline progress in the status ({missing.Message}): {status.GetRawText()}", missing);
        }
    }

    /// <summary>
    /// Reads the status again and again until <paramref name="condition"/> holds and returns that
    /// status; each read is a `vellum status` process, which paces the loop. Throws after
    /// <paramref name="patience"/>, naming <paramref name="what"/>, the last status and <paramref name="log"/>.
    /// </summary>
    public static BaselineStatus WaitUntil(Func<JsonElement> status, Func<BaselineStatus, bool> condition, string what, TimeSpan patience, Func<string> log)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var baseline = Of(status());
            if (condition(baseline))
                return baseline;
            if (clock.Elapsed > patience)
                throw new TimeoutException($"{what} did not happen within {patience.TotalSeconds:0} s; last baseline status {baseline}\n{log()}");
        }
    }

    private static double? Number(JsonElement baseline, string name) =>
        baseline.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;
}
