namespace Vellum.Passthrough.MappedWrites;

/// <summary>
/// Whether any process maps a file shared and writable, from /proc/PID/maps. A passthrough
/// mapping outlives the open it was made through (the mapping holds the backing file, and
/// the FUSE file is released at close), so this is how the daemon learns that nothing can
/// store into the file behind its back any more.
/// </summary>
internal static class SharedMappings
{
    /// <remarks>
    /// Processes come and go while /proc is read: a maps file that can no longer be read is a
    /// process that maps nothing any more. When /proc itself cannot be listed (a directory
    /// vanished under the enumeration, three times running) the answer is yes, so the file
    /// stays watched until a later look.
    /// </remarks>
    public static bool ExistFor(ulong device, ulong inode)
    {
        var deviceText = $"{Major(device):x2}:{Minor(device):x2}";
        var inodeText = inode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pids = ProcessIds();
        if (pids is null)
            return true;
        foreach (var pid in pids)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
                {
                    if (IsSharedWritable(line, deviceText, inodeText))
                        return true;
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }
        return false;
    }

    private static List<int>? ProcessIds()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var pids = new List<int>();
                foreach (var entry in Directory.EnumerateDirectories("/proc"))
                {
                    if (int.TryParse(Path.GetFileName(entry.AsSpan()), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                        pids.Add(pid);
                }
                return pids;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // A process directory vanished under the enumeration: list again.
            }
        }
        return null;
    }

    // "start-end perms offset dev inode path": perms is "rw-s" for a shared writable mapping.
    private static bool IsSharedWritable(string line, string device, string inode)
    {
        var fields = line.AsSpan();
        Span<Range> parts = stackalloc Range[6];
        if (fields.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries) < 5)
            return false;
        var perms = fields[parts[1]];
        return perms.Length == 4 && perms[1] == 'w' && perms[3] == 's'
            && fields[parts[3]].SequenceEqual(device) && fields[parts[4]].SequenceEqual(inode);
    }

    // glibc's dev_t encoding (gnu_dev_major / gnu_dev_minor).
    private static ulong Major(ulong device) => ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfffUL);

    private static ulong Minor(ulong device) => (device & 0xff) | ((device >> 12) & ~0xffUL);
}
