using System.Globalization;
using System.Text;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// Who holds a replica's lock, as the kernel tells it: the pid /proc/locks gives for the flock
/// on the directory's device and inode, that process's command line and start time. Read
/// when a lock is refused, never stored: nothing stale can name a process that is gone.
/// </summary>
public sealed record ReplicaLockHolder(int ProcessId, string Command, DateTimeOffset? Started)
{
    /// <summary>"pid 4242 (vellum mirror --store j --to r, running since 2026-12-07 16:55:01 UTC)".</summary>
    public override string ToString()
    {
        var details = new List<string>();
        if (Command.Length > 0)
            details.Add(Command);
        if (Started is { } started)
            details.Add($"running since {started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC");
        if (ProcessId == Environment.ProcessId)
            details.Add("this process");
        return details.Count == 0 ? $"pid {ProcessId}" : $"pid {ProcessId} ({string.Join(", ", details)})";
    }

    /// <summary>The holder of the flock on the directory open as <paramref name="fd"/>; null when /proc does not say (it ended meanwhile).</summary>
    internal static unsafe ReplicaLockHolder? Find(int fd)
    {
        StatxBuffer stat;
        if (LibC.Statx(fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
            return null;
        var pid = LockingProcess(stat.DevMajor, stat.DevMinor, stat.Ino);
        return pid is { } found ? new ReplicaLockHolder(found, CommandLine(found), StartTime(found)) : null;
    }

    /// <summary>The pid of the FLOCK entry of /proc/locks on that inode: "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF".</summary>
    private static int? LockingProcess(uint major, uint minor, ulong inode)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/locks");
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // A waiter's line starts with "->" and has one field more; none waits here (LOCK_NB).
            if (fields.Length < 6 || fields[1] != "FLOCK")
                continue;
            var identity = fields[5].Split(':');
            if (identity.Length == 3
                && uint.TryParse(identity[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lockMajor) && lockMajor == major
                && uint.TryParse(identity[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lockMinor) && lockMinor == minor
                && ulong.TryParse(identity[2], CultureInfo.InvariantCulture, out var lockInode) && lockInode == inode
                && int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid) && pid > 0)
                return pid;
        }
        return null;
    }

    /// <summary>The process's arguments, the program by its file name ("vellum mirror --store j --to r"); "" when unreadable.</summary>
    private static string CommandLine(int pid)
    {
        try
        {
            var arguments = File.ReadAllBytes($"/proc/{pid}/cmdline").AsSpan().TrimEnd((byte)0);
            var words = Encoding.UTF8.GetString(arguments).Split('\0').ToList();
            if (words.Count == 0 || words[0].Length == 0)
                return "";
            // `dotnet [exec] vellum.dll mirror ...`: the program is the assembly.
            if (Path.GetFileName(words[0]) == "dotnet" && words.Skip(1).FirstOrDefault() == "exec")
                words.RemoveAt(1);
            if (Path.GetFileName(words[0]) == "dotnet" && words.Count > 1 && words[1].EndsWith(".dll", StringComparison.Ordinal))
                words.RemoveAt(0);
            words[0] = Path.GetFileName(words[0]) is var program && program.EndsWith(".dll", StringComparison.Ordinal) ? program[..^4] : program;
            return string.Join(' ', words);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>When the process started: /proc/PID/stat's starttime (clock ticks after boot) added to the boot time.</summary>
    private static DateTimeOffset? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var bootLine = File.ReadLines("/proc/stat").FirstOrDefault(line => line.StartsWith("btime ", StringComparison.Ordinal));
            if (fields.Length < 20 || bootLine is null
                || !ulong.TryParse(fields[19], CultureInfo.InvariantCulture, out var ticks)
                || !long.TryParse(bootLine.AsSpan(6), CultureInfo.InvariantCulture, out var boot))
                return null;
            // USER_HZ is 100 on every Linux architecture .NET runs on.
            return DateTimeOffset.FromUnixTimeSeconds(boot).AddSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
