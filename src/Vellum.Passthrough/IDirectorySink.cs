namespace Vellum.Passthrough;

/// <summary>Receives directory entries for a readdir reply (FUSE's dirent buffer).</summary>
public interface IDirectorySink
{
    /// <summary>
    /// Adds one entry; <paramref name="nextOffset"/> is the cookie that resumes the listing
    /// after it. Returns false when the reply is full: the entry was not taken and the next
    /// readdir at the last accepted cookie returns it again.
    /// </summary>
    bool TryAdd(ReadOnlySpan<byte> name, ulong ino, DirectoryEntryType type, long nextOffset);
}
