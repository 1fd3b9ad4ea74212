using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>struct statfs on 64-bit Linux (every field a 64-bit word).</summary>
[StructLayout(LayoutKind.Explicit, Size = 120)]
public struct StatFsBuffer
{
    [FieldOffset(0)] public long Type;
    [FieldOffset(8)] public long BlockSize;
    [FieldOffset(16)] public ulong Blocks;
    [FieldOffset(24)] public ulong BlocksFree;
    [FieldOffset(32)] public ulong BlocksAvailable;
    [FieldOffset(40)] public ulong Files;
    [FieldOffset(48)] public ulong FilesFree;
    [FieldOffset(64)] public long NameMax;
    [FieldOffset(72)] public long FragmentSize;
}
