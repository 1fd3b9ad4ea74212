using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

[StructLayout(LayoutKind.Sequential)]
internal struct FuseOpenIn
{
    public uint Flags;
    public uint OpenFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseCreateIn
{
    public uint Flags;
    public uint Mode;
    public uint Umask;
    public uint OpenFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseOpenOut
{
    public ulong Fh;
    public uint OpenFlags;
    public int BackingId;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseReleaseIn
{
    public ulong Fh;
    public uint Flags;
    public uint ReleaseFlags;
    public ulong LockOwner;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseFlushIn
{
    public ulong Fh;
    public uint Unused;
    public uint Padding;
    public ulong LockOwner;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseReadIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Size;
    public uint ReadFlags;
    public ulong LockOwner;
    public uint Flags;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseWriteIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Size;
    public uint WriteFlags;
    public ulong LockOwner;
    public uint Flags;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseWriteOut
{
    public uint Size;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseFsyncIn
{
    public ulong Fh;
    public uint FsyncFlags;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseFallocateIn
{
    public ulong Fh;
    public ulong Offset;
    public ulong Length;
    public uint Mode;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseLseekIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Whence;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseLseekOut
{
    public ulong Offset;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseCopyFileRangeIn
{
    public ulong FhIn;
    public ulong OffIn;
    public ulong NodeIdOut;
    public ulong FhOut;
    public ulong OffOut;
    public ulong Len;
    public ulong Flags;
}
