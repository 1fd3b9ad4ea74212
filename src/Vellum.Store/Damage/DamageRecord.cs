using System.Globalization;
using Vellum.Native;

namespace Vellum.Store;

/// <summary>
/// The damage a scrub found, kept beside the segments in <c>scrub-damage</c> (one line per
/// damaged stretch: segment file name, byte offset, length) so that the next opening knows it
/// at once instead of after the scrub's next pass. Written whole (a new file renamed over the
/// old one); removed once nothing is damaged.
/// </summary>
public static class DamageRecord
{
    public const string FileName = "scrub-damage";

    /// <summary>The segment files the record lists (those still present), in store order.</summary>
    public static IReadOnlyList<(long Start, string Path)> Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return [];
        var names = File.ReadAllLines(path).Select(line => line.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        return [.. StoreFiles.List(directory).Where(file => names.Contains(Path.GetFileName(file.Path)))];
    }

    public static void Save(string directory, IEnumerable<SegmentDamage> damage)
    {
        var path = Path.Combine(directory, FileName);
        var lines = damage.Select(d => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(d.File)} {d.Offset} {d.Length}")).ToList();
        if (lines.Count == 0)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
                SegmentFile.SyncDirectory(directory);
            }
            return;
        }
        OwnerOnly.WriteReplacing(path, System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(line => line + "\n"))));
    }
}
