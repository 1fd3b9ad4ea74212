using System.Runtime.InteropServices;
using Vellum.Store.Native;

namespace Vellum.Store;

/// <summary>
/// One segment file's descriptor and the calls on it, each failure raised with the call,
/// file, offset and errno. Writes loop over short writes; ENOSPC and EDQUOT become
/// <see cref="StoreFullException"/>.
/// </summary>
internal sealed unsafe class SegmentFile : IDisposable
{
    private static readonly byte[] Zeros = new byte[64 * 1024];

    private int _fd;

    private SegmentFile(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    public static SegmentFile Open(string path, bool write, bool create = false)
    {
        var flags = (write ? StoreLibC.ORdWr : StoreLibC.ORdOnly) | StoreLibC.OCloExec | (create ? StoreLibC.OCreat | StoreLibC.OExcl : 0);
        var fd = StoreLibC.Open(path, flags, 0x1A4);
        if (fd < 0)
            throw Error("open", path, -1, StoreLibC.LastError());
        return new SegmentFile(fd, path);
    }

    public long Length => new FileInfo(Path).Length;

    public void WriteAt(ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var written = StoreLibC.PWrite(_fd, start + done, (nuint)(data.Length - done), offset + done);
                if (written < 0)
                {
                    var errno = StoreLibC.LastError();
                    if (errno == StoreLibC.EINTR)
                        continue;
                    throw Error("pwrite", Path, offset + done, errno);
                }
                if (written == 0)
                    throw Error("pwrite", Path, offset + done, StoreLibC.ENOSPC);
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
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var read = StoreLibC.PRead(_fd, start + done, (nuint)(buffer.Length - done), offset + done);
                if (read < 0)
                {
                    var errno = StoreLibC.LastError();
                    if (errno == StoreLibC.EINTR)
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
        if (StoreLibC.FDataSync(_fd) != 0)
            throw Error("fdatasync", Path, -1, StoreLibC.LastError());
    }

    /// <summary>
    /// Starts writing the range back to the disk and returns without waiting (sync_file_range
    /// with SYNC_FILE_RANGE_WRITE). Durability still comes from <see cref="DataSync"/>, which
    /// also reports any error of this writeback: a failure here only loses the head start.
    /// </summary>
    public void StartWriteback(long offset, long count) => StoreLibC.SyncFileRange(_fd, offset, count, StoreLibC.SyncFileRangeWrite);

    /// <summary>
    /// Drops the range's clean pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED);
    /// dirty ones stay. A failure only leaves them cached, so it is not reported.
    /// </summary>
    public void DropCache(long offset, long count) => StoreLibC.FAdvise(_fd, offset, count, StoreLibC.FAdviseDontNeed);

    public void Truncate(long length)
    {
        if (StoreLibC.FTruncate(_fd, length) != 0)
            throw Error("ftruncate", Path, length, StoreLibC.LastError());
    }

    /// <summary>fsync of a directory, which makes the names created or removed in it durable.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = StoreLibC.Open(directory, StoreLibC.ORdOnly | StoreLibC.ODirectory | StoreLibC.OCloExec, 0);
        if (fd < 0)
            throw Error("open", directory, -1, StoreLibC.LastError());
        var result = StoreLibC.FSync(fd);
        var errno = StoreLibC.LastError();
        StoreLibC.Close(fd);
        if (result != 0)
            throw Error("fsync", directory, -1, errno);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            StoreLibC.Close(_fd);
            _fd = -1;
        }
    }

    private static StoreIOException Error(string call, string path, long offset, int errno)
    {
        var where = offset >= 0 ? $" at byte {offset}" : "";
        var message = $"{call} {path}{where}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return errno is StoreLibC.ENOSPC or StoreLibC.EDQUOT
            ? new StoreFullException(message, errno, path)
            : new StoreIOException(message, errno, path);
    }
}
