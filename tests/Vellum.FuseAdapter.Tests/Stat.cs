using Vellum.Native;

namespace Vellum.FuseAdapter.Tests;

/// <summary>lstat(2), for the fields .NET does not show (owner, link count, blocks, nanosecond times).</summary>
internal readonly record struct Stat(ulong Ino, uint Mode, ulong Nlink, uint Uid, uint Gid, long Size, long Blocks, long MtimeSeconds, long MtimeNanoseconds)
{
    public static unsafe Stat Of(string path)
    {
        StatxBuffer buffer;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &buffer) != 0)
            throw SystemCallException.Last("lstat", path);
        return new Stat(buffer.Ino, buffer.Mode, buffer.Nlink, buffer.Uid, buffer.Gid, (long)buffer.Size, (long)buffer.Blocks, buffer.MtimeSeconds, buffer.MtimeNanoseconds);
    }
}
