using System.Runtime.InteropServices;

namespace Vellum.Fuse.Protocol;

/// <summary>The SETXATTR_EXT layout; without that flag the kernel sends only the first 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseSetxattrIn
{
    public uint Size;
    public uint Flags;
    public uint SetxattrFlags;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseGetxattrIn
{
    public uint Size;
    public uint Padding;
}

[StructLayout(LayoutKind.Sequential)]
internal struct FuseGetxattrOut
{
    public uint Size;
    public uint Padding;
}
