using System.Buffers;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>One name of a backing directory with its node's attributes.</summary>
internal readonly record struct ListedName(string Key, NodeStat Stat)
{
    public byte[] Name => BaselineManifest.NameOf(Key);

    public uint Type => Stat.Mode & ManifestEntry.TypeMask;

    public bool IsDirectory => Type == ManifestEntry.DirectoryType;
}

/// <summary>Reads a backing directory's names and their attributes (getdents64, then one statx per name).</summary>
internal static unsafe class DirectoryListing
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// The names of directory <paramref name="directoryFd"/> (an O_PATH descriptor will do) in
    /// byte order, with their attributes; a name removed while it is read is left out.
    /// </summary>
    public static Errno Read(int directoryFd, List<ListedName> into)
    {
        into.Clear();
        // Listing a directory moves its access time, which the baseline must not: it is not a reader.
        var fd = LibC.OpenDirectoryAt(directoryFd, "."u8, LibCConstants.ORdOnly | LibCConstants.ONoAtime);
        if (fd < 0 && LibC.LastError() == Errno.EPERM)
            fd = LibC.OpenDirectoryAt(directoryFd, "."u8, LibCConstants.ORdOnly);
        if (fd < 0)
            return LibC.LastError();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var entries = new DirectoryEntries(fd, buffer);
            while (entries.MoveNext(out var entry))
            {
                if (BackingInspection.StatChild(fd, entry.NameWithNul, out var stat) == Errno.Success)
                    into.Add(new ListedName(BaselineManifest.KeyOf(entry.Name), stat));
            }
            if (entries.Error != Errno.Success)
                return entries.Error;
            into.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return Errno.Success;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            LibC.Close(fd);
        }
    }

    /// <summary>An O_PATH descriptor of <paramref name="name"/> in <paramref name="directoryFd"/>, not following a symlink; -1 on failure.</summary>
    public static int OpenChild(int directoryFd, string name)
    {
        var bytes = BaselineManifest.NameOf(name);
        Span<byte> native = stackalloc byte[bytes.Length + 1];
        bytes.CopyTo(native);
        native[^1] = 0;
        fixed (byte* p = native)
            return LibC.OpenAt(directoryFd, p, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
    }

    /// <summary>An O_PATH descriptor of the directory holding <paramref name="directoryFd"/>; -1 on failure.</summary>
    public static int OpenParent(int directoryFd) => LibC.OpenDirectoryAt(directoryFd, ".."u8, LibCConstants.OPath);
}
