namespace Vellum.Bench.Store;

/// <summary>A new file opened for appending with write(2), made durable with fdatasync(2): the raw anchors.</summary>
internal sealed unsafe class AppendingFile : IDisposable
{
    private readonly string _path;
    private int _fd;

    public AppendingFile(string path)
    {
        _path = path;
        _fd = SyncLibC.Open(path, SyncLibC.OWrOnly | SyncLibC.OCreat | SyncLibC.OTrunc | SyncLibC.OAppend | SyncLibC.OCloExec, 0x1A4);
        if (_fd < 0)
            throw SyncLibC.Error("open", path);
    }

    /// <summary>Appends all of <paramref name="data"/> (looping over short writes), then fdatasync.</summary>
    public void AppendDurably(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var written = SyncLibC.Write(_fd, start + done, (nuint)(data.Length - done));
                if (written < 0)
                {
                    if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == SyncLibC.EINTR)
                        continue;
                    throw SyncLibC.Error("write", _path);
                }
                done += (int)written;
            }
        }
        if (SyncLibC.FDataSync(_fd) != 0)
            throw SyncLibC.Error("fdatasync", _path);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            SyncLibC.Close(_fd);
            _fd = -1;
        }
    }
}
