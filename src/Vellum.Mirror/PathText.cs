using System.Globalization;
using System.Text;

namespace Vellum.Mirror;

/// <summary>Journal path bytes as text for messages: UTF-8 where valid, other and control bytes as \xNN.</summary>
internal static class PathText
{
    public static string Show(ReadOnlySpan<byte> path)
    {
        var text = new StringBuilder(path.Length);
        var rest = path;
        while (!rest.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.Done && !System.Text.Rune.IsControl(rune))
                text.Append(rune.ToString());
            else
            {
                for (var i = 0; i < Math.Max(consumed, 1); i++)
                    text.Append(CultureInfo.InvariantCulture, $"\\x{rest[i]:x2}");
            }
            rest = rest[Math.Max(consumed, 1)..];
        }
        return text.ToString();
    }
}
