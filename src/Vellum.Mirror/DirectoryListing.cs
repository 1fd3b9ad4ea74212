using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>The names in an open directory, read whole before anything is done to them (removing entries while reading may skip some).</summary>
internal static class DirectoryListing
{
    /// <summary>Every name of the directory open as <paramref name="fd"/> but "." and "..", each with its NUL (ready for an *at() call); the errno when reading failed.</summary>
    public static Errno Read(int fd, out List<byte[]> names)
    {
        names = [];
        var entries = new DirectoryEntries(fd, new byte[32 * 1024]);
        while (entries.MoveNext(out var entry))
            names.Add(entry.NameWithNul.ToArray());
        return entries.Error;
    }
}
