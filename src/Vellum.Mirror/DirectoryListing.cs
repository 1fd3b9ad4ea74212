using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>The names in an open directory, read whole before anything is done to them (removing entries while reading may skip some).</summary>
internal static unsafe class DirectoryListing
{
    /// <summary>Every name of the directory open as <paramref name="fd"/> but "." and "..", each with its NUL (ready for an *at() call); the errno when reading failed.</summary>
    public static Errno Read(int fd, out List<byte[]> names)
    {
        names = [];
        var buffer = new byte[32 * 1024];
        while (true)
        {
            nint read;
            fixed (byte* b = buffer)
                read = LibC.GetDents64(fd, b, (nuint)buffer.Length);
            if (read < 0)
                return LibC.LastError();
            if (read == 0)
                return Errno.Success;
            for (var at = 0; at < read;)
            {
                var entry = new Dirent(buffer.AsSpan(at));
                at += entry.RecordLength;
                if (!entry.IsDotOrDotDot)
                    names.Add(entry.NameWithNul.ToArray());
            }
        }
    }
}
