namespace Vellum.Journal.Format;

/// <summary>
/// REDO FLAGS of a baseline operation (docs/journal-format.md 3.5): what it establishes, in
/// the order a replica applies them. Values are persisted: never renumber.
/// </summary>
[Flags]
public enum BaselineFlags : uint
{
    None = 0,

    /// <summary>PATH, and everything under it, is removed if it exists.</summary>
    Remove = 0x01,

    /// <summary>PATH exists as a node of ATTR MODE's type (with PATH2: as a hard link to PATH2).</summary>
    Name = 0x02,

    /// <summary>A regular file's content is dropped and its size set to ATTR SIZE.</summary>
    Reset = 0x04,

    /// <summary>DATA is written at OFFSET.</summary>
    Data = 0x08,

    /// <summary>Owner, permission bits, atime and mtime from ATTR; the xattrs become exactly the XATTR groups given.</summary>
    Attrs = 0x10,

    /// <summary>Informational: a difference found when a mount started, not the first baseline.</summary>
    Found = 0x20,

    /// <summary>No PATH: the baseline is complete.</summary>
    Complete = 0x40,
}
