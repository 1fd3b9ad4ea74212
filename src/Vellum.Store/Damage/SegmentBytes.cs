namespace Vellum.Store;

/// <summary>The bytes a segment walk reads: a segment file, or a file with some ranges replaced (a repair's candidate).</summary>
internal interface ISegmentBytes
{
    long Length { get; }

    /// <summary>Reads up to the buffer's length; fewer only at the end.</summary>
    int ReadAt(Span<byte> buffer, long offset);
}

/// <summary>A segment file read for verification, from the disk rather than the page cache where it can be.</summary>
internal sealed class FileSegmentBytes : ISegmentBytes, IDisposable
{
    private readonly SegmentFile _file;

    public FileSegmentBytes(string path)
    {
        _file = SegmentFile.Open(path, write: false);
        Length = _file.Length;
        // Clean cached pages would answer the reads, and a scrub must read what the disk holds.
        _file.DropCache(0, Length);
    }

    public long Length { get; }

    public int ReadAt(Span<byte> buffer, long offset) => _file.ReadAt(buffer, offset);

    /// <summary>Leaves the page cache as it was for others: a scrub reads cold data once.</summary>
    public void Dispose()
    {
        _file.DropCache(0, Length);
        _file.Dispose();
    }
}

/// <summary>A segment's bytes with some ranges taken from elsewhere (a copy's), as a repair would write them.</summary>
internal sealed class PatchedSegmentBytes(ISegmentBytes original, IReadOnlyList<SegmentPatch> patches) : ISegmentBytes
{
    public long Length { get; } = Math.Max(original.Length, patches.Count == 0 ? 0 : patches.Max(p => p.Offset + p.Bytes.Length));

    public int ReadAt(Span<byte> buffer, long offset)
    {
        var read = original.ReadAt(buffer, offset);
        var count = (int)Math.Min(buffer.Length, Length - offset);
        if (read < count)
            buffer[read..count].Clear();
        foreach (var patch in patches)
        {
            var from = Math.Max(offset, patch.Offset);
            var to = Math.Min(offset + count, patch.Offset + patch.Bytes.Length);
            if (from < to)
                patch.Bytes.AsSpan((int)(from - patch.Offset), (int)(to - from)).CopyTo(buffer[(int)(from - offset)..]);
        }
        return Math.Max(count, 0);
    }
}

/// <summary>Bytes to put at <see cref="Offset"/> of a segment file.</summary>
public sealed record SegmentPatch(long Offset, byte[] Bytes);
