using Vellum.Journal.Format;

namespace Vellum.TimeTravel.Tests;

/// <summary>MOMENT's grammar (docs/time-travel.md): txid:N, an RFC 3339 time with or without a zone, an age.</summary>
public sealed class MomentTests
{
    [Fact]
    public void A_transaction_id_a_time_to_the_nanosecond_with_a_zone_and_an_age_parse_to_what_they_name()
    {
        Assert.Equal(1204UL, Moment.Parse("txid:1204").TransactionId);
        Assert.Equal(new JournalTimestamp(1_796_652_120, 123_456_789), Moment.Parse("2026-12-07T14:02:00.123456789Z").Time);
        Assert.Equal(new JournalTimestamp(1_796_652_120 - 3600, 500_000_000), Moment.Parse("2026-12-07T14:02:00.5+01:00").Time);
        var now = new DateTimeOffset(2026, 12, 7, 14, 2, 0, TimeSpan.Zero);
        Assert.Equal(new JournalTimestamp(1_796_652_120 - 90, 0), Moment.Parse("90s").TimeAt(now));
        Assert.Equal(new JournalTimestamp(1_796_652_120 - 3 * 86_400, 0), Moment.Parse("3d").TimeAt(now));
        Assert.Equal(MomentKind.Age, Moment.Parse("15m").Kind);
    }

    [Fact]
    public void A_time_without_a_zone_is_local_time()
    {
        var local = new DateTime(2026, 7, 1, 9, 30, 0, DateTimeKind.Unspecified);
        var expected = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local)).ToUnixTimeSeconds();
        Assert.Equal(new JournalTimestamp(expected, 0), Moment.Parse("2026-07-01T09:30:00").Time);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("txid:")]
    [InlineData("txid:0")]
    [InlineData("txid:-3")]
    [InlineData("15 minutes")]
    [InlineData("2026-13-07T14:02:00Z")]
    [InlineData("2026-12-07 14:02")]
    public void Anything_else_is_refused_with_the_accepted_forms(string text)
    {
        var refused = Assert.Throws<MomentException>(() => Moment.Parse(text));
        Assert.Contains($"'{text}' is not a moment", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Moment.AcceptedForms, refused.Message, StringComparison.Ordinal);
    }
}
