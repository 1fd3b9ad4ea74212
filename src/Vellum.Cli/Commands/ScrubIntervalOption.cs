using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Vellum.Cli.Commands;

/// <summary>`--scrub-interval DURATION` of `vellum mount` and `vellum serve`: 30s, 10m, 6h, 1d, or 0 (off).</summary>
internal static class ScrubIntervalOption
{
    public static readonly TimeSpan Default = TimeSpan.FromDays(1);

    public static Option<TimeSpan?> Create(string what) => new("--scrub-interval")
    {
        Description = $"how often {what} sealed segments are re-read and every record's CRC verified, paced to 64 MiB/s, the first pass at start: a number with s, m, h or d (default 1d; 0: off)",
        HelpName = "DURATION",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = Parse,
    };

    private static TimeSpan? Parse(ArgumentResult result)
    {
        var value = result.Tokens.Single().Value;
        if (value == "0")
            return TimeSpan.Zero;
        var unit = value.Length == 0 ? ' ' : value[^1];
        var scale = unit switch { 's' => 1.0, 'm' => 60.0, 'h' => 3600.0, 'd' => 86400.0, _ => 0 };
        if (scale > 0 && double.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var count) && count > 0 && count * scale <= TimeSpan.MaxValue.TotalSeconds)
            return TimeSpan.FromSeconds(count * scale);
        result.AddError($"--scrub-interval {value}: expected a duration such as 30s, 10m, 6h or 1d, or 0 for no scrub");
        return null;
    }
}
