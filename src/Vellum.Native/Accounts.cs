namespace Vellum.Native;

/// <summary>
/// User and group names for messages (/etc/passwd and /etc/group, as ls shows them): a refusal
/// says "owned by nobody (uid 65534)". Unknown ids and unreadable files give the number alone.
/// </summary>
public static class Accounts
{
    /// <summary>"nobody (uid 65534)", or "uid 4242" for an id without a name.</summary>
    public static string DescribeUser(uint uid) => UserName(uid) is var name && name != Number(uid) ? $"{name} (uid {uid})" : $"uid {uid}";

    /// <summary>The user's name, or the number as text.</summary>
    public static string UserName(uint uid) => Lookup("/etc/passwd", uid) ?? Number(uid);

    /// <summary>The group's name, or the number as text.</summary>
    public static string GroupName(uint gid) => Lookup("/etc/group", gid) ?? Number(gid);

    private static string Number(uint id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The name of the line whose third field is <paramref name="id"/> ("name:x:id:..."), the format both files share.</summary>
    private static string? Lookup(string file, uint id)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && uint.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var number) && number == id)
                    return fields[0];
            }
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return null;
    }
}
