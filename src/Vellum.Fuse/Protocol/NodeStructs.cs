using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

[StructLayout(LayoutKind.Sequential)]
internal struct FuseMknodIn
{
    public uint Mode;
    public uint Rdev;
    public uint Umask;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseMkdirIn
{
    public uint Mode;
    public uint Umask;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseRenameIn
{
    public ulong NewDir;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseRename2In
{
    public ulong NewDir;
    public uint Flags;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseLinkIn
{
    public ulong OldNodeId;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseAccessIn
{
    public uint Mask;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseInterruptIn
{
    public ulong Unique;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseKstatfs
{
    public ulong Blocks;
    public ulong Bfree;
    public ulong Bavail;
    public ulong Files;
    public ulong Ffree;
    public uint Bsize;
    public uint NameLen;
    public uint Frsize;
    public uint Padding;
    public FuseKstatfsSpare Spare;
}

/// <summary>The six reserved words at the end of <c>fuse_kstatfs</c>.</summary>
[System.Runtime.CompilerServices.InlineArray(6)]
internal struct FuseKstatfsSpare
{
    private uint _element;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseDirent
{
    public ulong Ino;
    public ulong Off;
    public uint NameLen;
    public uint Type;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseBackingMap
{
    public int Fd;
    public uint Flags;
    public ulong Padding;
}
