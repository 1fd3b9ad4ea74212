using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vellum.Cli.Commands;

/// <summary>`--scrub-interval DURATION` of `vellum mount` and `vellum serve` (<see cref="DurationText"/>; 0: off).</summary>
internal static class ScrubIntervalOption
{
    public static readonly TimeSpan Default = TimeSpan.FromDays(1);

    public static Option<TimeSpan?> Create(string what) => new("--scrub-interval")
    {
        Description = $"how often {what} sealed segments are re-read and every record's CRC verified, paced to 64 MiB/s, the first pass at start: such as 6h or 1d (default 1d; 0: off)",
        HelpName = "DURATION",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = Parse,
    };

    private static TimeSpan? Parse(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DurationText.TryParse(text, out var interval))
            return interval;
        result.AddError($"--scrub-interval {text}: give a duration, {DurationText.Examples}; 0 turns the scrub off");
        return null;
    }
}
