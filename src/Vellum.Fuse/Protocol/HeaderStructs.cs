using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

// The FUSE protocol is in host byte order (the kernel copies its own structs), so these
// blittable structs are read and written in place; FuseStructLayoutTests pins every size
// and offset against include/uapi/linux/fuse.h.

[StructLayout(LayoutKind.Sequential)]
internal struct FuseInHeader
{
    public uint Len;
    public uint Opcode;
    public ulong Unique;
    public ulong NodeId;
    public uint Uid;
    public uint Gid;
    public uint Pid;
    public ushort TotalExtLen;
    public ushort Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseOutHeader
{
    public uint Len;
    public int Error;
    public ulong Unique;
}
