using System.Globalization;

namespace Vellum.Store;

/// <summary>
/// Segment file names: the store position of the segment's first byte as 16 lowercase hex
/// digits, then ".vseg", so names sort in store order and a gap between one segment's end
/// and the next one's name shows a missing file.
/// </summary>
internal static class SegmentName
{
    public const string Extension = ".vseg";

    public static string For(long start) => start.ToString("x16", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParse(string fileName, out long start)
    {
        start = 0;
        return fileName.Length == 16 + Extension.Length
            && fileName.EndsWith(Extension, StringComparison.Ordinal)
            && fileName[..16].All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'))
            && long.TryParse(fileName.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            && start >= 0;
    }
}
