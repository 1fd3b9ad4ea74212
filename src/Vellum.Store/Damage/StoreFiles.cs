namespace Vellum.Store;

/// <summary>A store directory's segment files by name, in store order, whether or not a store has it open.</summary>
public static class StoreFiles
{
    public static IReadOnlyList<(long Start, string Path)> List(string directory) =>
    [
        .. Directory.EnumerateFiles(directory)
            .Select(path => SegmentName.TryParse(Path.GetFileName(path), out var start) ? (start, path) : (-1L, path))
            .Where(file => file.Item1 >= 0)
            .OrderBy(file => file.Item1),
    ];

    /// <summary>The segment file that holds store positions [<paramref name="position"/>, +<paramref name="length"/>), or null.</summary>
    public static (long Start, string Path)? Holding(string directory, long position, long length)
    {
        (long Start, string Path)? holding = null;
        foreach (var file in List(directory))
        {
            if (file.Start > position)
                break;
            holding = file;
        }
        return holding is { } found && position + length <= found.Start + new FileInfo(found.Path).Length ? found : null;
    }

    /// <summary>The bytes at store positions [<paramref name="position"/>, +<paramref name="length"/>) as the segment files hold them, or null when they do not hold them all.</summary>
    public static byte[]? TryRead(string directory, long position, int length)
    {
        if (Holding(directory, position, length) is not { } file)
            return null;
        using var segment = SegmentFile.Open(file.Path, write: false);
        var bytes = new byte[length];
        return segment.ReadAt(bytes, position - file.Start) == length ? bytes : null;
    }

    /// <summary>The store's first record (its sync point at position 0), or null when its first segment is missing or that record does not hold.</summary>
    public static byte[]? FirstRecord(string directory)
    {
        var first = Path.Combine(directory, SegmentName.For(0));
        if (!File.Exists(first))
            return null;
        try
        {
            return StoreRecovery.ReadFirstRecord(first, out _);
        }
        catch (StoreDamagedException)
        {
            return null;
        }
    }
}
