namespace Vellum.Passthrough;

/// <summary>Receives directory entries with their looked-up nodes (FUSE READDIRPLUS).</summary>
public interface IDirectoryPlusSink
{
    /// <summary>
    /// Adds one entry. An accepted entry with a non-zero node id carries one lookup
    /// reference, which the kernel later returns with FORGET; "." and ".." come with node
    /// id 0 and only their inode number and type, so the kernel does not instantiate them.
    /// Returns false when the reply is full: the reference is dropped again and the entry
    /// is returned by the next readdir at the last accepted cookie.
    /// </summary>
    bool TryAdd(ReadOnlySpan<byte> name, in NodeEntry entry, long nextOffset);
}
