using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Vellum.FuseAdapter.Tests;

/// <summary>lstat(2), for the fields .NET does not show (owner, link count, blocks, nanosecond times).</summary>
internal readonly partial record struct Stat(ulong Ino, uint Mode, ulong Nlink, uint Uid, uint Gid, long Size, long Blocks, long MtimeSeconds, long MtimeNanoseconds)
{
    public static Stat Of(string path)
    {
        Span<byte> buffer = stackalloc byte[144];
        if (LStat(path, buffer) != 0)
            throw new IOException($"lstat {path}: errno {Marshal.GetLastPInvokeError()}");
        // struct stat on x86_64.
        return new Stat(
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[28..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[48..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[64..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[88..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[96..]));
    }

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, Span<byte> buffer);
}
