using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>struct statfs on 64-bit Linux: every field a 64-bit word, 120 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct StatFsBuffer
{
    public long Type;
    public long BlockSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FsId;
    public long NameMax;
    public long FragmentSize;
    public long Flags;
    private fixed long _spare[4];
}
