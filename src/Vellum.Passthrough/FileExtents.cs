using System.Runtime.InteropServices;
using Vellum.Native;

namespace Vellum.Passthrough;

/// <summary>An allocated piece of a file: written data, or unwritten (allocated, reads as zeros).</summary>
public readonly record struct FileExtent(long Offset, long Length, bool Unwritten)
{
    public long End => Offset + Length;
}

/// <summary>
/// A file's allocation as FIEMAP reports it, after writing back its delayed allocations
/// (FIEMAP_FLAG_SYNC): what SEEK_DATA cannot tell, since it shows unwritten extents as
/// holes until their pages are cached.
/// </summary>
public static unsafe class FileExtents
{
    private const uint FsIocFiemap = 0xC020660B;
    private const uint FlagSync = 0x1;
    private const uint ExtentLast = 0x1;
    private const uint ExtentUnwritten = 0x800;
    private const int HeaderSize = 32;
    private const int ExtentSize = 56;
    private const int BatchSize = 64;

    /// <summary>The extents overlapping [<paramref name="offset"/>, <paramref name="end"/>), clipped to it, in order; null when the filesystem has no FIEMAP.</summary>
    public static List<FileExtent>? In(int fd, long offset, long end)
    {
        var extents = new List<FileExtent>();
        var buffer = (byte*)NativeMemory.AllocZeroed(HeaderSize + BatchSize * ExtentSize);
        try
        {
            var at = offset;
            while (at < end)
            {
                NativeMemory.Clear(buffer, HeaderSize + BatchSize * ExtentSize);
                *(ulong*)buffer = (ulong)at;
                *(ulong*)(buffer + 8) = (ulong)(end - at);
                *(uint*)(buffer + 16) = FlagSync;
                *(uint*)(buffer + 24) = BatchSize;
                if (LibC.Ioctl(fd, FsIocFiemap, buffer) != 0)
                    return null;
                var mapped = *(uint*)(buffer + 20);
                if (mapped == 0)
                    break;
                var last = false;
                for (var i = 0; i < mapped; i++)
                {
                    var extent = buffer + HeaderSize + i * ExtentSize;
                    var logical = (long)*(ulong*)extent;
                    var length = (long)*(ulong*)(extent + 16);
                    var flags = *(uint*)(extent + 40);
                    var start = Math.Max(logical, at);
                    var stop = Math.Min(logical + length, end);
                    if (stop > start)
                        extents.Add(new FileExtent(start, stop - start, (flags & ExtentUnwritten) != 0));
                    at = Math.Max(at, logical + length);
                    last |= (flags & ExtentLast) != 0;
                }
                if (last)
                    break;
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
        return extents;
    }
}
