using System.Buffers;
using Vellum.Mirror;
using Vellum.Native;

namespace Vellum.TimeTravel.Undo;

/// <summary>Turns the blocks of a file's range that read as zeros into holes (fallocate PUNCH_HOLE | KEEP_SIZE): what was a hole before a change is one again.</summary>
internal static unsafe class ZeroBlocks
{
    private const int Flags = LibCConstants.ORdWr | LibCConstants.ONoFollow | LibCConstants.ONonBlock | LibCConstants.ONoCtty | LibCConstants.OCloExec;

    /// <exception cref="MirrorApplyException">The file cannot be reached, is not a regular file, or the filesystem refused.</exception>
    public static void Punch(ReplicaRoot root, ReplicaPath path, ulong id, long start, long end)
    {
        using var parent = root.OpenParent(path, id, "undo");
        if (NodeInfo.Read(parent.Fd, path.Name, out var node) is var errno && errno != Errno.Success)
            throw new MirrorApplyException(id, "undo", path.Text, errno);
        if (node.Type != LibCConstants.SIfReg)
            throw new MirrorApplyException(id, "undo", path.Text, "is not a regular file");
        int fd;
        fixed (byte* name = path.Name)
            fd = LibC.OpenAt(parent.Fd, name, Flags, 0);
        if (fd < 0)
            throw new MirrorApplyException(id, "undo", path.Text, LibC.LastError());
        try
        {
            StatxBuffer stat;
            if (LibC.Statx(fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
                throw new MirrorApplyException(id, "undo", path.Text, LibC.LastError());
            var block = (long)Math.Max(512u, stat.BlockSize);
            end = Math.Min(end, (long)stat.Size);
            var buffer = ArrayPool<byte>.Shared.Rent((int)block);
            try
            {
                for (var at = start / block * block; at < end; at += block)
                {
                    var length = (int)Math.Min(block, (long)stat.Size - at);
                    var read = LibC.PRead(fd, buffer.AsSpan(0, length), at);
                    if (read < 0)
                        throw new MirrorApplyException(id, "undo", path.Text, LibC.LastError());
                    if (read == length && !buffer.AsSpan(0, length).ContainsAnyExcept((byte)0)
                        && LibC.FAllocate(fd, LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, at, block) != 0)
                        throw new MirrorApplyException(id, "undo", path.Text, LibC.LastError());
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
