using System.Globalization;

namespace Vellum.FuseAdapter;

/// <summary>
/// Group membership of the process behind a request: FUSE gives only its filesystem gid,
/// the supplementary groups are in /proc/PID/status. Read only where a rule needs them
/// (the set-group-ID bit of a file without group-execute).
/// </summary>
internal static class CallerGroups
{
    private const string GroupsField = "Groups:";

    public static bool Contains(uint pid, uint primaryGid, uint gid)
    {
        if (gid == primaryGid)
            return true;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(GroupsField, StringComparison.Ordinal))
                    continue;
                var groups = line.AsSpan(GroupsField.Length);
                foreach (var group in groups.Split(' '))
                {
                    if (uint.TryParse(groups[group].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var member) && member == gid)
                        return true;
                }
                return false;
            }
        }
        catch (IOException)
        {
            // The caller is gone: no membership to prove, so the bit goes, as for an outsider.
        }
        return false;
    }
}
