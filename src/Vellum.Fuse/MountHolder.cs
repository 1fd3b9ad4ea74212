using System.Globalization;

namespace Vellum.Fuse;

/// <summary>
/// A process holding a file open on a mount, which keeps a lazily detached mount alive
/// until it closes: its pid, command name and the file's path.
/// </summary>
public readonly record struct MountHolder(int Pid, string Command, string Path)
{
    /// <summary>
    /// Every descriptor of every process whose /proc/PID/fdinfo names mount
    /// <paramref name="mountId"/> (<see cref="MountInfo.MountIdAt"/>), paths shown under
    /// <paramref name="mountPoint"/>: once the mount is detached the kernel gives them
    /// relative to the mount's root. Nothing here asks the filesystem itself, so a mount
    /// whose server is busy cannot hold the search up. Processes that go away meanwhile
    /// are skipped.
    /// </summary>
    public static IReadOnlyList<MountHolder> Find(int mountId, string mountPoint)
    {
        var holders = new List<MountHolder>();
        var wanted = mountId.ToString(CultureInfo.InvariantCulture);
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                foreach (var info in Directory.EnumerateFiles(System.IO.Path.Combine(process, "fdinfo")))
                {
                    if (MountIdOf(info) == wanted && new FileInfo(System.IO.Path.Combine(process, "fd", System.IO.Path.GetFileName(info))).LinkTarget is { } target)
                    {
                        holders.Add(new MountHolder(pid, File.ReadAllText(System.IO.Path.Combine(process, "comm")).TrimEnd('\n'), Under(mountPoint, target)));
                    }
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The process exited, or hides its descriptors: nothing to name.
            }
        }

        return holders;
    }

    /// <summary>One line for a person: "2 open files: /mnt/a (pid 12, less), /mnt/b (pid 40, tail)".</summary>
    public static string Describe(IReadOnlyList<MountHolder> holders) =>
        $"{holders.Count} open file{(holders.Count == 1 ? "" : "s")}: {string.Join(", ", holders.Select(h => $"{h.Path} (pid {h.Pid}, {h.Command})"))}";

    private static string? MountIdOf(string fdinfo)
    {
        foreach (var line in File.ReadLines(fdinfo))
        {
            if (line.StartsWith("mnt_id:", StringComparison.Ordinal))
            {
                return line["mnt_id:".Length..].Trim();
            }
        }

        return null;
    }

    private static string Under(string mountPoint, string target) =>
        target == mountPoint || target.StartsWith(mountPoint + "/", StringComparison.Ordinal) ? target : mountPoint + (target == "/" ? "" : target);
}
