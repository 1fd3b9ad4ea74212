using System.Globalization;
using System.Text.RegularExpressions;
using Vellum.Journal.Format;

namespace Vellum.TimeTravel;

/// <summary>
/// A MOMENT of `--at` (docs/time-travel.md): <c>txid:N</c>, an RFC 3339 time (with a zone, or
/// without one: local time), or an age (<c>90s</c>, <c>15m</c>, <c>2h</c>, <c>3d</c>: that long
/// before now). Which state each names is <see cref="StoreTimeline.Resolve"/>'s.
/// </summary>
public sealed partial record Moment(MomentKind Kind, ulong TransactionId, JournalTimestamp Time, TimeSpan Age, string Text)
{
    public const string AcceptedForms = "txid:N (the state after transaction N), an RFC 3339 time such as 2026-12-07T14:02:00Z or 2026-12-07T14:02:00.5+01:00 (without a zone: local time), or an age such as 90s, 15m, 2h or 3d (that long before now)";

    /// <exception cref="MomentException">The text is none of the accepted forms (the message lists them).</exception>
    public static Moment Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith("txid:", StringComparison.OrdinalIgnoreCase))
        {
            if (ulong.TryParse(trimmed.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
                return new Moment(MomentKind.TransactionId, id, default, default, trimmed);
            throw Unparsable(text, "txid: needs a transaction id, a positive integer");
        }
        if (AgePattern().Match(trimmed) is { Success: true } age)
        {
            var value = double.Parse(age.Groups["value"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var scale = age.Groups["unit"].Value switch { "s" => 1.0, "m" => 60.0, "h" => 3600.0, _ => 86_400.0 };
            if (value * scale > 1e10)
                throw Unparsable(text, "that age is before any journal");
            return new Moment(MomentKind.Age, 0, default, TimeSpan.FromSeconds(value * scale), trimmed);
        }
        if (TimePattern().Match(trimmed) is { Success: true } time)
            return new Moment(MomentKind.Time, 0, ParseTime(time, text), default, trimmed);
        throw Unparsable(text, null);
    }

    /// <summary>The point in time this moment names, for a time or an age; <paramref name="now"/> is what an age counts back from.</summary>
    public JournalTimestamp TimeAt(DateTimeOffset now) => Kind switch
    {
        MomentKind.Age => FromDateTime(now - Age),
        _ => Time,
    };

    public override string ToString() => Text;

    internal static JournalTimestamp FromDateTime(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - DateTime.UnixEpoch.Ticks;
        return new JournalTimestamp(Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest) - (rest < 0 ? 1 : 0), (uint)((rest + (rest < 0 ? TimeSpan.TicksPerSecond : 0)) * 100));
    }

    private static JournalTimestamp ParseTime(Match time, string text)
    {
        int Field(string name) => int.Parse(time.Groups[name].Value, CultureInfo.InvariantCulture);
        DateTime wall;
        try
        {
            wall = new DateTime(Field("year"), Field("month"), Field("day"), Field("hour"), Field("minute"), Math.Min(Field("second"), 59), DateTimeKind.Unspecified);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Unparsable(text, "that date or time does not exist");
        }
        var zone = time.Groups["zone"].Value;
        TimeSpan offset;
        if (zone.Length == 0)
            offset = TimeZoneInfo.Local.GetUtcOffset(wall);
        else if (zone is "Z" or "z")
            offset = TimeSpan.Zero;
        else
            offset = (zone[0] == '-' ? -1 : 1) * new TimeSpan(int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture), int.Parse(zone.AsSpan(4, 2), CultureInfo.InvariantCulture), 0);
        var seconds = new DateTimeOffset(wall, offset).ToUnixTimeSeconds();
        var fraction = time.Groups["fraction"].Value;
        var nanoseconds = fraction.Length == 0 ? 0u : uint.Parse(fraction.PadRight(9, '0'), CultureInfo.InvariantCulture);
        return new JournalTimestamp(seconds, nanoseconds);
    }

    private static MomentException Unparsable(string text, string? why) =>
        new($"'{text}' is not a moment{(why is null ? "" : $" ({why})")}; a moment is {AcceptedForms}");

    [GeneratedRegex(@"^(?<value>[0-9]+(\.[0-9]+)?)(?<unit>[smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex AgePattern();

    [GeneratedRegex(@"^(?<year>[0-9]{4})-(?<month>[0-9]{2})-(?<day>[0-9]{2})[Tt ](?<hour>[0-9]{2}):(?<minute>[0-9]{2}):(?<second>[0-9]{2})(\.(?<fraction>[0-9]{1,9}))?(?<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();
}
