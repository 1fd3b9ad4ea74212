using System.Globalization;

namespace Vellum.Bench;

/// <summary>Collects a suite's figures; each is printed as a script-readable line as soon as it is known.</summary>
public sealed class BenchReport(string suite)
{
    private readonly List<(string Name, double Value, string Unit, string Note)> _figures = [];

    public void Add(string name, double value, string unit, string note = "")
    {
        _figures.Add((name, value, unit, note));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench {suite}.{name} {Format(value)} {unit}"));
    }

    public void PrintTable()
    {
        Console.WriteLine();
        Console.WriteLine($"| {suite} figure | value | unit | note |");
        Console.WriteLine("| --- | ---: | --- | --- |");
        foreach (var (name, value, unit, note) in _figures)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {suite}.{name} | {Format(value)} | {unit} | {note} |"));
    }

    private static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F3", CultureInfo.InvariantCulture),
    };
}
