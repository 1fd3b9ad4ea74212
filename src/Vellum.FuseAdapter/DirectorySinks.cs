using Vellum.Fuse;
using Vellum.Passthrough;

namespace Vellum.FuseAdapter;

/// <summary>READDIR: an entry's inode number and type, which a FUSE dirent carries in the mode's type bits.</summary>
/// <remarks>Holds the writer by value (a ref field cannot hold a ref struct); the caller takes it back after the listing.</remarks>
internal ref struct FuseDirectorySink(FuseDirectoryWriter writer) : IDirectorySink
{
    public FuseDirectoryWriter Writer = writer;

    public bool TryAdd(ReadOnlySpan<byte> name, ulong ino, DirectoryEntryType type, long nextOffset)
    {
        // d_type values are the st_mode file type bits shifted down by 12.
        var entry = new FuseEntry { Attr = new FuseAttr { Ino = ino, Mode = (uint)type << 12 } };
        return Writer.TryAdd(name, in entry, nextOffset);
    }
}

/// <summary>READDIRPLUS: entries with their looked-up nodes; the passthrough layer counts the lookups.</summary>
internal ref struct FuseDirectoryPlusSink(FuseDirectoryWriter writer) : IDirectoryPlusSink
{
    public FuseDirectoryWriter Writer = writer;

    public bool TryAdd(ReadOnlySpan<byte> name, in NodeEntry entry, long nextOffset)
    {
        var fuseEntry = FuseConversions.ToFuse(entry);
        return Writer.TryAdd(name, in fuseEntry, nextOffset);
    }
}
