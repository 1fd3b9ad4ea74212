using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

[StructLayout(LayoutKind.Sequential)]
internal struct FuseEntryOut
{
    public ulong NodeId;
    public ulong Generation;
    public ulong EntryValid;
    public ulong AttrValid;
    public uint EntryValidNsec;
    public uint AttrValidNsec;
    public FuseAttr Attr;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseAttrOut
{
    public ulong AttrValid;
    public uint AttrValidNsec;
    public uint Dummy;
    public FuseAttr Attr;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseGetAttrIn
{
    public uint GetAttrFlags;
    public uint Dummy;
    public ulong Fh;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseSetAttrIn
{
    public uint Valid;
    public uint Padding;
    public ulong Fh;
    public ulong Size;
    public ulong LockOwner;
    public ulong Atime;
    public ulong Mtime;
    public ulong Ctime;
    public uint AtimeNsec;
    public uint MtimeNsec;
    public uint CtimeNsec;
    public uint Mode;
    public uint Unused4;
    public uint Uid;
    public uint Gid;
    public uint Unused5;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetIn
{
    public ulong NLookup;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetOne
{
    public ulong NodeId;
    public ulong NLookup;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseBatchForgetIn
{
    public uint Count;
    public uint Dummy;
}
