namespace Vellum.Fuse;

/// <summary>Filesystem statistics for STATFS (the fields of <c>statvfs</c> the protocol carries).</summary>
public struct FuseStatFs
{
    public ulong Blocks { get; set; }
    public ulong BlocksFree { get; set; }
    public ulong BlocksAvailable { get; set; }
    public ulong Files { get; set; }
    public ulong FilesFree { get; set; }
    public uint BlockSize { get; set; }
    public uint NameLength { get; set; }
    public uint FragmentSize { get; set; }
}
