using System.Globalization;

namespace Vellum.Recording.Tests;

/// <summary>
/// What a power cut would leave of a journal: a copy of the store cut back to the durable
/// position `vellum status` reported, without the write-ahead ring (page cache, gone).
/// </summary>
internal static class PowerLoss
{
    public static string CopyDurablePart(string journal, long durablePosition, string copy)
    {
        Directory.CreateDirectory(copy);
        foreach (var segment in Directory.GetFiles(journal, "*.vseg"))
        {
            var start = long.Parse(Path.GetFileNameWithoutExtension(segment), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (start >= durablePosition)
                continue;
            var target = Path.Combine(copy, Path.GetFileName(segment));
            File.Copy(segment, target);
            using var file = new FileStream(target, FileMode.Open, FileAccess.Write);
            if (file.Length > durablePosition - start)
                file.SetLength(durablePosition - start);
        }
        return copy;
    }
}
