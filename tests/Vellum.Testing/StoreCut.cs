namespace Vellum.Testing;

/// <summary>
/// A power cut as the journal's disk sees it: a copy of a store holding only its first
/// <c>position</c> bytes, what was durable when the power went (docs/journal-format.md 5.1:
/// the store's stream is its segment files in name order, each named by its first position).
/// </summary>
public static class StoreCut
{
    public static void CopyTo(string journal, long position, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var segment in Directory.GetFiles(journal, "*.vseg").Order(StringComparer.Ordinal))
        {
            var start = Convert.ToInt64(Path.GetFileNameWithoutExtension(segment), 16);
            if (start >= position)
                continue;
            var copy = Path.Combine(destination, Path.GetFileName(segment));
            File.Copy(segment, copy);
            using var file = new FileStream(copy, FileMode.Open, FileAccess.Write);
            if (file.Length > position - start)
                file.SetLength(position - start);
        }
        if (!File.Exists(Path.Combine(destination, "0000000000000000.vseg")))
            throw new InvalidOperationException($"no segment of {journal} starts at position 0");
    }
}
