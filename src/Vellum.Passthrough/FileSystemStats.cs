namespace Vellum.Passthrough;

/// <summary>The backing filesystem's statfs figures.</summary>
public readonly record struct FileSystemStats(
    ulong Blocks,
    ulong BlocksFree,
    ulong BlocksAvailable,
    ulong Files,
    ulong FilesFree,
    uint BlockSize,
    uint NameMax,
    uint FragmentSize);
