using System.Globalization;

namespace Vellum.Cli;

/// <summary>Durations on the command line: a number with ms, s, m, h or d after it; a bare number is seconds.</summary>
internal static class DurationText
{
    public const string Examples = "such as 500ms, 1s, 5m, 2h or 1d; a bare number is seconds";

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var digits = text.TrimEnd("msshd".ToCharArray());
        var unit = text[digits.Length..];
        var scale = unit switch
        {
            "" or "s" => 1.0,
            "ms" => 0.001,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => 0.0,
        };
        if (scale == 0 || !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return false;
        var seconds = value * scale;
        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            return false;
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
