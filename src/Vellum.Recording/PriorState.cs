using System.Buffers;
using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;

namespace Vellum.Recording;

/// <summary>
/// Reads what a change is about to destroy, straight into the transaction: file bytes,
/// a symlink's target, an xattr's value. Best effort by design: state that cannot be read
/// (a file the daemon may not open) is left out rather than failing the change.
/// </summary>
internal static unsafe class PriorState
{
    private const int Chunk = 256 * 1024;

    /// <summary>Opens <paramref name="name"/> in <paramref name="directoryFd"/> for reading without following a symlink, or returns -1.</summary>
    public static int OpenChildForReading(int directoryFd, ReadOnlySpan<byte> name)
    {
        Span<byte> native = stackalloc byte[name.Length + 1];
        name.CopyTo(native);
        native[^1] = 0;
        fixed (byte* p = native)
            return LibC.OpenAt(directoryFd, p, LibCConstants.ORdOnly | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
    }

    /// <summary>
    /// Writes a DATA leaf of exactly <paramref name="length"/> bytes read from
    /// <paramref name="fd"/> at <paramref name="offset"/>; bytes the file no longer has
    /// (it shrank meanwhile) are written as zeros so the declared length holds.
    /// </summary>
    public static void WriteDataLeaf(TransactionWriter writer, int fd, long offset, long length)
    {
        writer.BeginLeaf(SubRecordType.Data, length);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Chunk, Math.Max(length, 1)));
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var piece = (int)Math.Min(remaining, buffer.Length);
                nint read;
                fixed (byte* b = buffer)
                    read = LibC.PRead(fd, b, (nuint)piece, offset);
                if (read <= 0)
                {
                    buffer.AsSpan(0, piece).Clear();
                    read = piece;
                }
                writer.WriteLeafData(buffer.AsSpan(0, (int)read));
                offset += read;
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The target of symlink <paramref name="name"/> in <paramref name="directoryFd"/>; null when unreadable.</summary>
    public static byte[]? SymlinkTarget(int directoryFd, ReadOnlySpan<byte> name)
    {
        Span<byte> native = stackalloc byte[name.Length + 1];
        name.CopyTo(native);
        native[^1] = 0;
        var target = new byte[JournalLimits.MaxTargetLength + 1];
        nint length;
        fixed (byte* p = native)
        fixed (byte* t = target)
            length = LibC.ReadlinkAt(directoryFd, p, t, (nuint)target.Length);
        return length < 0 || length > JournalLimits.MaxTargetLength ? null : target.AsSpan(0, (int)length).ToArray();
    }
}
