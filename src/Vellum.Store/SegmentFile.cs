using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Store;

/// <summary>
/// One segment file's descriptor and the calls on it, each failure raised with the call,
/// file, offset and errno. Writes loop over short writes; ENOSPC and EDQUOT become
/// <see cref="StoreFullException"/>. The descriptor is a <see cref="SafeFileHandle"/>: the
/// store keeps a segment open across many appends, reads and syncs, so a call racing a
/// dispose must not reach a closed (or reused) descriptor number.
/// </summary>
internal sealed unsafe class SegmentFile : IDisposable
{
    private static readonly byte[] Zeros = new byte[64 * 1024];

    private readonly SafeFileHandle _handle;

    private SegmentFile(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Opens a segment file, never through a symlink; <paramref name="create"/> makes a new one,
    /// owner-only (0600) and exclusively: a name already taken, by anything, fails with EEXIST
    /// rather than being written through (docs/journal-format.md, file modes).
    /// </summary>
    /// <exception cref="NotPrivateException">A symlink is where an existing segment should be.</exception>
    public static SegmentFile Open(string path, bool write, bool create = false)
    {
        var access = write ? LibCConstants.ORdWr : LibCConstants.ORdOnly;
        try
        {
            return new SegmentFile(create ? OwnerOnly.CreateFile(path, access) : OwnerOnly.OpenFile(path, access), path);
        }
        catch (SystemCallException failure)
        {
            throw Error("open", path, -1, failure.Errno);
        }
    }

    /// <summary>
    /// Creates the segment <paramref name="path"/> in the store directory open as
    /// <paramref name="directory"/> (openat relative to it, so a rename of a directory above
    /// cannot redirect it), owner-only and exclusively, open for reading and writing.
    /// </summary>
    public static SegmentFile Create(SafeFileHandle directory, string path)
    {
        try
        {
            return new SegmentFile(OwnerOnly.CreateFileAt(directory, System.IO.Path.GetFileName(path), path), path);
        }
        catch (SystemCallException failure)
        {
            throw Error("open", path, -1, failure.Errno);
        }
    }

    public long Length => new FileInfo(Path).Length;

    public void WriteAt(ReadOnlySpan<byte> data, long offset)
    {
        using var fd = LibC.Borrow(_handle);
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var written = LibC.PWrite(fd.Fd, start + done, (nuint)(data.Length - done), offset + done);
                if (written < 0)
                {
                    var errno = LibC.LastError();
                    if (errno == Errno.EINTR)
                        continue;
                    throw Error("pwrite", Path, offset + done, errno);
                }
                if (written == 0)
                    throw Error("pwrite", Path, offset + done, Errno.ENOSPC);
                done += (int)written;
            }
        }
    }

    /// <summary>Writes <paramref name="count"/> zero bytes from <paramref name="offset"/> on.</summary>
    public void WriteZeros(long offset, long count)
    {
        while (count > 0)
        {
            var piece = (int)Math.Min(count, Zeros.Length);
            WriteAt(Zeros.AsSpan(0, piece), offset);
            offset += piece;
            count -= piece;
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length; fewer bytes only at the end of the file.</summary>
    public int ReadAt(Span<byte> buffer, long offset)
    {
        using var fd = LibC.Borrow(_handle);
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var read = LibC.PRead(fd.Fd, start + done, (nuint)(buffer.Length - done), offset + done);
                if (read < 0)
                {
                    var errno = LibC.LastError();
                    if (errno == Errno.EINTR)
                        continue;
                    throw Error("pread", Path, offset + done, errno);
                }
                if (read == 0)
                    break;
                done += (int)read;
            }
            return done;
        }
    }

    public void DataSync()
    {
        using var fd = LibC.Borrow(_handle);
        if (LibC.FDataSync(fd.Fd) != 0)
            throw Error("fdatasync", Path, -1, LibC.LastError());
    }

    /// <summary>
    /// Starts writing the range back to the disk and returns without waiting (sync_file_range
    /// with SYNC_FILE_RANGE_WRITE). Durability still comes from <see cref="DataSync"/>, which
    /// also reports any error of this writeback: a failure here only loses the head start.
    /// </summary>
    public void StartWriteback(long offset, long count)
    {
        using var fd = LibC.Borrow(_handle);
        LibC.SyncFileRange(fd.Fd, offset, count, LibCConstants.SyncFileRangeWrite);
    }

    /// <summary>
    /// Drops the range's clean pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED);
    /// dirty ones stay. A failure only leaves them cached, so it is not reported.
    /// </summary>
    public void DropCache(long offset, long count)
    {
        using var fd = LibC.Borrow(_handle);
        LibC.FAdvise(fd.Fd, offset, count, LibCConstants.FAdviseDontNeed);
    }

    public void Truncate(long length)
    {
        using var fd = LibC.Borrow(_handle);
        if (LibC.FTruncate(fd.Fd, length) != 0)
            throw Error("ftruncate", Path, length, LibC.LastError());
    }

    /// <summary>fsync of a directory, which makes the names created or removed in it durable.</summary>
    public static void SyncDirectory(string directory)
    {
        try
        {
            LibC.SyncDirectory(directory);
        }
        catch (SystemCallException failure)
        {
            throw Error(failure.Call, directory, -1, failure.Errno);
        }
    }

    public void Dispose() => _handle.Dispose();

    private static StoreIOException Error(string call, string path, long offset, Errno errno)
    {
        var where = offset >= 0 ? $" at byte {offset}" : "";
        var message = $"{call} {path}{where}: {errno.Text} (errno {(int)errno})";
        return errno is Errno.ENOSPC or Errno.EDQUOT
            ? new StoreFullException(message, (int)errno, path)
            : new StoreIOException(message, (int)errno, path);
    }
}
