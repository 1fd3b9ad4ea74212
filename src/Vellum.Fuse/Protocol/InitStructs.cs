using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseInitIn
{
    public uint Major;
    public uint Minor;
    public uint MaxReadahead;
    public uint Flags;
    public uint Flags2;
    public fixed uint Unused[11];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseInitOut
{
    public uint Major;
    public uint Minor;
    public uint MaxReadahead;
    public uint Flags;
    public ushort MaxBackground;
    public ushort CongestionThreshold;
    public uint MaxWrite;
    public uint TimeGran;
    public ushort MaxPages;
    public ushort MapAlignment;
    public uint Flags2;
    public uint MaxStackDepth;
    public ushort RequestTimeout;
    public fixed ushort Unused[11];
}
