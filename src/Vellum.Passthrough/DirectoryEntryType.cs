namespace Vellum.Passthrough;

/// <summary>d_type values, which FUSE dirents carry unchanged.</summary>
public enum DirectoryEntryType : byte
{
    Unknown = 0,
    Fifo = 1,
    CharacterDevice = 2,
    Directory = 4,
    BlockDevice = 6,
    Regular = 8,
    Symlink = 10,
    Socket = 12,
    Whiteout = 14,
}
