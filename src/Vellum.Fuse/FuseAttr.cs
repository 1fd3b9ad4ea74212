using System.Runtime.InteropServices;

namespace Vellum.Fuse;

/// <summary>
/// Attributes of a node, laid out exactly as <c>struct fuse_attr</c> (88 bytes) so replies
/// copy it as is. Times are seconds and nanoseconds since the epoch.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    public ulong Ino { get; set; }
    public ulong Size { get; set; }
    public ulong Blocks { get; set; }
    public long ATime { get; set; }
    public long MTime { get; set; }
    public long CTime { get; set; }
    public uint ATimeNsec { get; set; }
    public uint MTimeNsec { get; set; }
    public uint CTimeNsec { get; set; }
    public uint Mode { get; set; }
    public uint NLink { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint RDev { get; set; }
    public uint BlkSize { get; set; }
    public uint Flags { get; set; }
}
