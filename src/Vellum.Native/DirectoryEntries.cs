namespace Vellum.Native;

/// <summary>
/// The entries of a directory open for reading, "." and ".." left out, read with getdents64
/// into the caller's buffer: one loop for every listing, so each only says what it does with
/// an entry.
/// </summary>
public ref struct DirectoryEntries(int fd, byte[] buffer)
{
    private int _at;
    private int _read;

    /// <summary>Why the listing ended early: the errno of a failed getdents64; <see cref="Errno.Success"/> at its end.</summary>
    public Errno Error { get; private set; }

    /// <summary>The next entry; false at the end of the directory or when reading failed (<see cref="Error"/>).</summary>
    public unsafe bool MoveNext(out Dirent entry)
    {
        while (true)
        {
            if (_at >= _read)
            {
                nint read;
                fixed (byte* b = buffer)
                    read = LibC.GetDents64(fd, b, (nuint)buffer.Length);
                if (read <= 0)
                {
                    Error = read < 0 ? LibC.LastError() : Errno.Success;
                    entry = default;
                    return false;
                }
                (_at, _read) = (0, (int)read);
            }
            entry = new Dirent(buffer.AsSpan(_at, _read - _at));
            _at += entry.RecordLength;
            if (!entry.IsDotOrDotDot)
                return true;
        }
    }
}
