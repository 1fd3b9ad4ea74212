using System.Globalization;

namespace Vellum.Bench.Store;

/// <summary>Every round's value of every figure, reported as medians with their spread.</summary>
internal sealed class StoreSamples
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

    public void Add(string name, double value)
    {
        if (!_values.TryGetValue(name, out var values))
            _values[name] = values = [];
        values.Add(value);
    }

    public double Median(string name)
    {
        var sorted = _values[name].Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Adds the median to the report, the spread appended to the note when there is more than one value.</summary>
    public double Report(BenchReport report, string name, string unit, string note)
    {
        var values = _values[name];
        var median = Median(name);
        var spread = values.Count > 1
            ? string.Create(CultureInfo.InvariantCulture, $"; median of {values.Count}, {Format(values.Min())} to {Format(values.Max())}")
            : "";
        report.Add(name, median, unit, note + spread);
        return median;
    }

    /// <summary>The precision BenchReport prints with.</summary>
    private static string Format(double value) => value.ToString(value switch
    {
        >= 1000 => "F0",
        >= 10 => "F1",
        _ => "F3",
    }, CultureInfo.InvariantCulture);
}
