using System.Text;
using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>Names sub-record types in error messages the way the format document does: "XATTR_NAME (0x0315)".</summary>
internal static class SubRecordNames
{
    public static string Of(SubRecordType type) => Enum.IsDefined(type)
        ? $"{UpperSnake(type.ToString())} (0x{(ushort)type:X4})"
        : $"unknown type 0x{(ushort)type:X4}";

    private static string UpperSnake(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
                text.Append('_');
            text.Append(char.ToUpperInvariant(c));
        }
        return text.ToString();
    }
}
