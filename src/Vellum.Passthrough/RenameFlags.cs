namespace Vellum.Passthrough;

/// <summary>renameat2 flags; the values are the kernel's (and FUSE RENAME2's).</summary>
[Flags]
public enum RenameFlags : uint
{
    None = 0,
    NoReplace = 1 << 0,
    Exchange = 1 << 1,
    Whiteout = 1 << 2,
}
