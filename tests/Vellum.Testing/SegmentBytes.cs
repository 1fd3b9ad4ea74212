namespace Vellum.Testing;

/// <summary>
/// A segment file's records without the zeros its writer may have written ahead of them (the
/// store's runway, docs/journal-format.md 5.1). Records are 16-byte aligned and end with their
/// trailer, whose size field is never zero, so the records end at the first 16-byte boundary
/// after the last non-zero byte.
/// </summary>
public static class SegmentBytes
{
    /// <summary>The length of the file's records: its size less its zero tail.</summary>
    public static long RecordsLength(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        var buffer = new byte[64 * 1024];
        var end = file.Length;
        while (end > 0)
        {
            var piece = (int)Math.Min(buffer.Length, end);
            file.Position = end - piece;
            file.ReadExactly(buffer, 0, piece);
            var last = buffer.AsSpan(0, piece).LastIndexOfAnyExcept((byte)0);
            if (last >= 0)
                return (end - piece + last + 16) & ~15L;
            end -= piece;
        }
        return 0;
    }
}
