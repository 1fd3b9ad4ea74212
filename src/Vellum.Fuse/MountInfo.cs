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

    /// <summary>
    /// The mount id (mountinfo's first field, what /proc/PID/fdinfo calls mnt_id) of the
    /// topmost mount at <paramref name="mountPoint"/>, or -1.
    /// </summary>
    public static int MountIdAt(string mountPoint, string path = "/proc/self/mountinfo") =>
        Topmost(mountPoint, path) is { } fields && int.TryParse(fields[0], out var id) ? id : -1;

    /// <summary>
    /// The device number of the topmost mount at <paramref name="mountPoint"/> as the kernel
    /// counts it inside (major &lt;&lt; 20 | minor): a FUSE connection's name under fusectl.
    /// Null if nothing is mounted there.
    /// </summary>
    public static uint? DeviceAt(string mountPoint, string path = "/proc/self/mountinfo")
    {
        if (Topmost(mountPoint, path) is not { } fields)
        {
            return null;
        }

        var numbers = fields[2].Split(':');
        return numbers.Length == 2 && uint.TryParse(numbers[0], out var major) && uint.TryParse(numbers[1], out var minor)
            ? (major << 20) | minor
            : null;
    }

    /// <summary>The fields of the last (topmost) mountinfo line for <paramref name="mountPoint"/>.</summary>
    private static string[]? Topmost(string mountPoint, string path)
    {
        string[]? found = null;
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 5 && Unescape(fields[4]) == mountPoint)
            {
                found = fields;
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
