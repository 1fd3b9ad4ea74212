using Microsoft.Win32.SafeHandles;

namespace Vellum.Bench.Baseline;

/// <summary>What <see cref="TreeGenerator"/> made: its numbers, for the suite's lines and rates.</summary>
internal readonly record struct GeneratedTree(string Path, int Files, int Directories, long Bytes);

/// <summary>
/// A tree shaped like a home or project directory that already holds data: many small files,
/// some medium ones, a few large ones, about a hundred files a directory, three directory
/// levels. Sizes and placement come from a fixed seed, so every run measures the same tree.
/// Content is random (nothing compresses or deduplicates it), cut from one reused buffer at a
/// different offset for each file: generation runs at the disk's write speed, not at the
/// speed of a random number generator.
/// </summary>
internal static class TreeGenerator
{
    private const int FilesPerDirectory = 100;
    private const int SourceBufferSize = 8 << 20;
    private const int WriteChunk = 1 << 20;

    /// <summary>Each class of files: its share of the files and its share of the bytes.</summary>
    private static readonly (double FileShare, double ByteShare)[] Classes =
    [
        (0.950, 0.25), // small: about 11 KiB on average
        (0.049, 0.35), // medium: about 300 KiB
        (0.001, 0.40), // large: about 16 MiB (at least one large file in any tree)
    ];

    public static GeneratedTree Create(string path, int files, long bytes)
    {
        var random = new Random(19);
        var sizes = Sizes(random, files, bytes);
        var source = new byte[SourceBufferSize];
        random.NextBytes(source);
        var leaves = Math.Max(1, files / FilesPerDirectory);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files; i++)
        {
            // File i lands in leaf i % leaves: the large files (drawn last) spread over the tree.
            var leaf = i % leaves;
            var directory = System.IO.Path.Combine(path, $"d{leaf / 100:D2}", $"d{leaf / 10 % 10}", $"d{leaf % 10}");
            if (directories.Add(directory))
                Directory.CreateDirectory(directory);
            WriteFile(System.IO.Path.Combine(directory, $"f{i:D6}.dat"), sizes[i], source, random.Next(SourceBufferSize));
        }
        return new GeneratedTree(path, files, CountDirectories(path), bytes);
    }

    /// <summary>
    /// <paramref name="files"/> sizes summing to exactly <paramref name="bytes"/>: per class, random
    /// weights between 0.1 and 1.9 scaled to the class's share of the bytes.
    /// </summary>
    private static long[] Sizes(Random random, int files, long bytes)
    {
        var sizes = new long[files];
        var start = 0;
        long assigned = 0;
        for (var c = 0; c < Classes.Length; c++)
        {
            var last = c == Classes.Length - 1;
            var count = last ? files - start : (int)(files * Classes[c].FileShare);
            var budget = last ? bytes - assigned : (long)(bytes * Classes[c].ByteShare);
            var weights = Enumerable.Range(0, count).Select(_ => 0.1 + 1.8 * random.NextDouble()).ToArray();
            var total = weights.Sum();
            long given = 0;
            for (var i = 0; i < count; i++)
            {
                sizes[start + i] = i == count - 1 ? budget - given : (long)(budget * weights[i] / total);
                given += sizes[start + i];
            }
            start += count;
            assigned += budget;
        }
        return sizes;
    }

    private static void WriteFile(string path, long size, byte[] source, int offset)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        for (long written = 0; written < size;)
        {
            // Wrap around the source buffer; never more than a chunk or what is left of the file.
            var length = (int)Math.Min(Math.Min(WriteChunk, size - written), SourceBufferSize - offset);
            RandomAccess.Write(file, source.AsSpan(offset, length), written);
            written += length;
            offset = (offset + length) % SourceBufferSize;
        }
    }

    private static int CountDirectories(string path) =>
        Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories).Count();
}
