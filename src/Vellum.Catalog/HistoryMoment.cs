using System.Globalization;

namespace Vellum.Catalog;

/// <summary>
/// A bound of `vellum history --since / --until`: <c>txid:N</c> (a transaction id) or an RFC 3339
/// time (<c>2026-12-07T14:02:00Z</c>, with an offset, or without one: local time). A stopgap
/// of this project; the MOMENT grammar of `restore --at` (ages too) will replace it.
/// </summary>
public readonly record struct HistoryMoment(ulong? TransactionId, long? Nanoseconds)
{
    public const string Forms = "txid:N (a transaction id) or an RFC 3339 time such as 2026-12-07T14:02:00Z (without a zone: local time)";

    public static bool TryParse(string text, out HistoryMoment moment)
    {
        moment = default;
        if (text.StartsWith("txid:", StringComparison.Ordinal))
        {
            if (!ulong.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return false;
            moment = new HistoryMoment(id, null);
            return true;
        }
        var zoned = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        var styles = zoned ? DateTimeStyles.AdjustToUniversal : DateTimeStyles.AssumeLocal | DateTimeStyles.AdjustToUniversal;
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFF"];
        if (!DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, styles, out var time))
            return false;
        moment = new HistoryMoment(null, (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);
        return true;
    }

    /// <summary>The range between <paramref name="since"/> and <paramref name="until"/> (each inclusive, either absent).</summary>
    public static HistoryRange Range(HistoryMoment? since, HistoryMoment? until) => new(
        since?.TransactionId ?? 0,
        until?.TransactionId ?? ulong.MaxValue,
        since?.Nanoseconds ?? long.MinValue,
        until?.Nanoseconds ?? long.MaxValue);
}
