using System.Globalization;

namespace Vellum.Bench.Fuse;

/// <summary>Every round's value of every figure, per target; reported as medians.</summary>
internal sealed class FuseSamples
{
    private readonly Dictionary<string, Dictionary<FuseMetric, (List<double> Values, string Note)>> _samples = new(StringComparer.Ordinal);

    public void Add(string target, FuseMetric metric, double value, string note)
    {
        if (!_samples.TryGetValue(target, out var measured))
            _samples[target] = measured = [];
        if (!measured.TryGetValue(metric, out var entry))
            measured[metric] = entry = ([], note);
        entry.Values.Add(value);
    }

    /// <summary>
    /// Adds each target's medians to the report, in target order and in the order of
    /// <paramref name="metrics"/> (default <see cref="FuseMetric.All"/>); returns them for the ratios.
    /// </summary>
    public Dictionary<string, Dictionary<FuseMetric, double>> ReportMedians(BenchReport report, IEnumerable<string> targets, IReadOnlyList<FuseMetric>? metrics = null)
    {
        var results = new Dictionary<string, Dictionary<FuseMetric, double>>(StringComparer.Ordinal);
        foreach (var target in targets.Where(_samples.ContainsKey))
        {
            var medians = results[target] = [];
            foreach (var metric in (metrics ?? FuseMetric.All).Where(_samples[target].ContainsKey))
            {
                var (values, note) = _samples[target][metric];
                medians[metric] = Median(values);
                var spread = values.Count > 1
                    ? string.Create(CultureInfo.InvariantCulture, $"; median of {values.Count} rounds, {Format(values.Min())} to {Format(values.Max())}")
                    : "";
                report.Add($"{target}_{metric.Figure}", medians[metric], metric.Unit, note + spread);
            }
        }
        return results;
    }

    /// <summary>The precision BenchReport prints with.</summary>
    private static string Format(double value) => value.ToString(value switch
    {
        >= 1000 => "F0",
        >= 10 => "F1",
        _ => "F3",
    }, CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
