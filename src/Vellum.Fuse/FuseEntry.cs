namespace Vellum.Fuse;

/// <summary>
/// A looked-up name: the node id the filesystem chose (the kernel counts one lookup for each
/// entry it is given, returned by FORGET) and its attributes.
/// </summary>
public struct FuseEntry
{
    public ulong NodeId { get; set; }
    public ulong Generation { get; set; }
    public FuseAttr Attr { get; set; }
}
