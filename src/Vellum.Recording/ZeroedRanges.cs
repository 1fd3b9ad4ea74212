using System.Buffers;
using Vellum.Native;

namespace Vellum.Recording;

/// <summary>
/// The parts of a file range that read as zeros, block by block (and the partial blocks at
/// its ends): what a failed punch-hole or zero-range may have zeroed. ext4 zeroes the
/// partial blocks at the ends of a punch first and frees or converts whole blocks in order,
/// so a failure part-way leaves some of the range zeroed; bytes that are not zero now were
/// not touched. Holes count as zeros without being read.
/// </summary>
internal static unsafe class ZeroedRanges
{
    private const int Block = 4096;
    private const int Chunk = 1 << 20;

    /// <summary>The maximal runs of zero pieces in [<paramref name="offset"/>, <paramref name="end"/>) of the file open for reading as <paramref name="fd"/>.</summary>
    public static List<(long Offset, long Length)> In(int fd, long offset, long end)
    {
        var runs = new List<(long Offset, long Length)>();
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            long runStart = -1;
            var at = offset;
            while (at < end)
            {
                var pieceEnd = Math.Min(end, (at / Block + 1) * Block);
                var zero = IsZero(fd, at, pieceEnd, buffer);
                if (zero && runStart < 0)
                    runStart = at;
                else if (!zero && runStart >= 0)
                {
                    runs.Add((runStart, at - runStart));
                    runStart = -1;
                }
                at = pieceEnd;
            }
            if (runStart >= 0)
                runs.Add((runStart, end - runStart));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return runs;
    }

    private static bool IsZero(int fd, long from, long to, byte[] buffer)
    {
        var data = LibC.LSeek(fd, from, LibCConstants.SeekData);
        if (data < 0 || data >= to)
            return true;
        var length = (int)(to - from);
        nint read;
        fixed (byte* b = buffer)
            read = LibC.PRead(fd, b, (nuint)length, from);
        return read <= 0 || buffer.AsSpan(0, (int)read).IndexOfAnyExcept((byte)0) < 0;
    }
}
