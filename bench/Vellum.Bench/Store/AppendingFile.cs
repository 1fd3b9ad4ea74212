using Vellum.Native;

namespace Vellum.Bench.Store;

/// <summary>A new file opened for appending with write(2), made durable with fdatasync(2): the raw anchors.</summary>
internal sealed unsafe class AppendingFile : IDisposable
{
    private readonly string _path;
    private int _fd;

    public AppendingFile(string path)
    {
        _path = path;
        _fd = LibC.Open(path, LibCConstants.OWrOnly | LibCConstants.OCreat | LibCConstants.OTrunc | LibCConstants.OAppend | LibCConstants.OCloExec, 0x1A4);
        if (_fd < 0)
            throw SystemCallException.Last("open", path);
    }

    /// <summary>Appends all of <paramref name="data"/> (looping over short writes), then fdatasync.</summary>
    public void AppendDurably(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var written = LibC.Write(_fd, start + done, (nuint)(data.Length - done));
                if (written < 0)
                {
                    if (LibC.LastError() == Errno.EINTR)
                        continue;
                    throw SystemCallException.Last("write", _path);
                }
                done += (int)written;
            }
        }
        if (LibC.FDataSync(_fd) != 0)
            throw SystemCallException.Last("fdatasync", _path);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            LibC.Close(_fd);
            _fd = -1;
        }
    }
}
