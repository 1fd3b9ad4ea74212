using System.Runtime.InteropServices;
using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>
/// One reader thread on /dev/fuse with its own request and reply buffers (pinned, so the
/// kernel reads and writes them in place) and its own request context.
/// </summary>
internal sealed unsafe class FuseReader
{
    private readonly FuseSession _session;
    private readonly byte[] _request;
    private readonly byte[] _reply;
    private readonly Thread _thread;

    public FuseReader(FuseSession session, int bufferSize, int index)
    {
        _session = session;
        _request = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
        _reply = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
        Context = new FuseContext(session);
        _thread = new Thread(Run) { IsBackground = true, Name = $"fuse-reader-{index}" };
    }

    public FuseContext Context { get; }

    public Span<byte> Reply => _reply;

    public byte* ReplyPointer => (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_reply, 0);

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        var request = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_request, 0);
        try
        {
            while (true)
            {
                _session.EnterIdle();
                var length = LibC.Read(_session.DeviceFd, request, (nuint)_request.Length);
                var errno = length < 0 ? LibC.LastError() : Errno.Success;
                _session.LeaveIdle(spawn: length > 0);
                if (length < 0)
                {
                    // ENOENT: the request was interrupted before we read it; EINTR/EAGAIN: try again.
                    if (errno is Errno.EINTR or Errno.EAGAIN or Errno.ENOENT)
                    {
                        continue;
                    }

                    // ENODEV: unmounted or aborted; anything else leaves the device unusable too.
                    _session.Stop();
                    return;
                }

                if (!_session.Dispatcher.Handle(this, _request.AsSpan(0, (int)length)))
                {
                    _session.Stop();
                    return;
                }
            }
        }
        finally
        {
            _session.ReaderExited();
        }
    }
}
