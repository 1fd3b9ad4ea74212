using System.Text;

namespace Vellum.Fuse;

/// <summary>Reads /proc/self/mountinfo: which filesystem type is mounted at a path, if any.</summary>
public static class MountInfo
{
    /// <summary>The fstype of the topmost mount at <paramref name="mountPoint"/> (an absolute, normalised path), or null.</summary>
    public static string? FileSystemTypeAt(string mountPoint, string path = "/proc/self/mountinfo")
    {
        string? found = null;
        foreach (var line in File.ReadLines(path))
        {
            // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
            {
                continue;
            }

            if (Unescape(fields[4]) == mountPoint)
            {
                found = fields[separator + 1];
            }
        }

        return found;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as three octal digits.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        var raw = Encoding.UTF8.GetBytes(field);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(byte value) => value is >= (byte)'0' and <= (byte)'7';
}
