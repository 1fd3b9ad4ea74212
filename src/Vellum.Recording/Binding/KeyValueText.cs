using System.Text;

namespace Vellum.Recording.Binding;

/// <summary>
/// The small text both halves of a binding are kept in: a first line naming the format, then
/// "key=value" lines, so that an operator can read them (getfattr -d, cat) and a newer Vellum
/// can add keys an older one ignores.
/// </summary>
internal static class KeyValueText
{
    public static byte[] Format(string kind, IEnumerable<(string Key, string Value)> pairs)
    {
        var text = new StringBuilder(kind).Append('\n');
        foreach (var (key, value) in pairs)
            text.Append(key).Append('=').Append(value.ReplaceLineEndings(" ")).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The pairs, or null when the text is not of <paramref name="kind"/>.</summary>
    public static Dictionary<string, string>? Parse(string kind, ReadOnlySpan<byte> bytes)
    {
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        if (lines[0] != kind)
            return null;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                pairs[line[..equals]] = line[(equals + 1)..];
        }
        return pairs;
    }
}
