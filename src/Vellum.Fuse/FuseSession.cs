using Vellum.Fuse.Protocol;
using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>
/// A FUSE connection: the /dev/fuse descriptor and the reader threads serving it (go-fuse's
/// model: a reader handles the request it read inline; when none is left idle another starts,
/// up to <see cref="FuseMountOptions.MaxReaders"/>). Created by <see cref="FuseMount"/>.
/// </summary>
public sealed unsafe class FuseSession
{
    private readonly List<FuseReader> _readers = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _initialized = new();
    private readonly int _maxReaders;
    private readonly int _bufferSize;
    private int _idle;
    private int _live;
    private volatile bool _stopping;
    private volatile bool _refusing;

    internal FuseSession(int deviceFd, IFuseFileSystem fileSystem, FuseMountOptions options)
    {
        DeviceFd = deviceFd;
        _maxReaders = Math.Max(1, options.MaxReaders);
        MaxWrite = FuseInit.MaxWriteFor(options.MaxWrite, Environment.SystemPageSize);
        // The kernel refuses a read buffer that cannot hold a full WRITE request and its headers;
        // a reply holds at most a full READ and its header. A page of slack covers both.
        _bufferSize = Math.Max(FuseProtocol.MinReadBuffer, MaxWrite + Environment.SystemPageSize);
        Dispatcher = new FuseDispatcher(this, fileSystem, options);
    }

    /// <summary>The negotiated protocol version, e.g. 7.45 (0.0 before INIT).</summary>
    public Version ProtocolVersion { get; private set; } = new(0, 0);

    /// <summary>The version the kernel offered in INIT (0.0 before INIT).</summary>
    public Version KernelVersion { get; private set; } = new(0, 0);

    /// <summary>The largest READ or WRITE the kernel sends.</summary>
    public int MaxWrite { get; }

    /// <summary>The kernel granted FUSE_PASSTHROUGH: opens may set <see cref="FuseOpenOptions.Passthrough"/>.</summary>
    public bool PassthroughEnabled { get; private set; }

    /// <summary>Completes when every reader has stopped (unmounted, aborted, or the device failed).</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Completes when the kernel side is gone (unmounted, or the connection aborted), even
    /// while a reader is still inside the filesystem with a request nobody can be answered.
    /// </summary>
    public Task Disconnected => _disconnected.Task;

    /// <summary>Whether requests are refused (<see cref="Refuse"/>).</summary>
    internal bool Refusing => _refusing;

    /// <summary>
    /// Answers every later request with ENOTCONN without calling the filesystem, as an
    /// aborted connection would: for a server that is about to go away while programs still
    /// hold files open on its mount, so nothing new reaches a filesystem being closed.
    /// </summary>
    public void Refuse() => _refusing = true;

    /// <summary>Reader threads started so far.</summary>
    public int ReaderCount
    {
        get
        {
            lock (_lock)
            {
                return _readers.Count;
            }
        }
    }

    /// <summary>
    /// The /dev/fuse descriptor, a plain int rather than a SafeHandle: every reader thread
    /// reads and answers through it on the hot path, and the session's own lifetime (readers
    /// joined before <see cref="FuseMount"/> closes it) already keeps it from being closed in use.
    /// </summary>
    internal int DeviceFd { get; }

    internal FuseDispatcher Dispatcher { get; }

    internal Action? Ended { get; set; }

    /// <summary>
    /// Registers an open file for kernel passthrough (FUSE_DEV_IOC_BACKING_OPEN); returns <see cref="Errno.Success"/> and
    /// the id to put in <see cref="FuseOpenReply.BackingId"/>, or an errno. The kernel holds
    /// its own reference, so the fd may be closed after this returns; close the id with
    /// <see cref="CloseBacking"/> when the open file is released.
    /// </summary>
    public Errno OpenBacking(int fd, out int backingId)
    {
        var map = new FuseBackingMap { Fd = fd };
        var result = LibC.Ioctl(DeviceFd, FuseProtocol.DevIocBackingOpen, &map);
        backingId = Math.Max(result, 0);
        return result < 0 ? LibC.LastError() : Errno.Success;
    }

    /// <summary>
    /// Tells the kernel that <paramref name="node"/>'s attributes changed behind its cache
    /// (FUSE_NOTIFY_INVAL_INODE with a negative offset: attributes only, no page cache), so
    /// the next stat asks again. Returns <see cref="Errno.Success"/> or an errno (ENOENT: the kernel has no such node
    /// cached, so nothing was stale).
    /// </summary>
    public Errno InvalidateAttributes(ulong node)
    {
        const int notifyInvalInode = 2;
        var message = stackalloc byte[40];
        var header = (FuseOutHeader*)message;
        header->Len = 40;
        header->Error = notifyInvalInode;
        header->Unique = 0;
        var body = (long*)(message + 16);
        body[0] = (long)node;
        body[1] = -1;
        body[2] = 0;
        return LibC.Write(DeviceFd, message, 40) < 0 ? LibC.LastError() : Errno.Success;
    }

    /// <summary>Drops a backing id (FUSE_DEV_IOC_BACKING_CLOSE); returns <see cref="Errno.Success"/> or an errno.</summary>
    public Errno CloseBacking(int backingId)
    {
        var id = (uint)backingId;
        return LibC.Ioctl(DeviceFd, FuseProtocol.DevIocBackingClose, &id) < 0 ? LibC.LastError() : Errno.Success;
    }

    internal void Start() => StartReader();

    internal bool WaitForInit(TimeSpan timeout) => _initialized.Wait(timeout);

    internal void Initialized(Version kernel, uint major, uint minor, bool passthrough)
    {
        KernelVersion = kernel;
        ProtocolVersion = new Version((int)major, (int)minor);
        PassthroughEnabled = passthrough;
        _initialized.Set();
    }

    /// <summary>Waits for every reader to stop; false when one is still running at the timeout.</summary>
    internal bool JoinReaders(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var joined = 0;
        while (true)
        {
            FuseReader reader;
            lock (_lock)
            {
                if (joined == _readers.Count)
                {
                    return true;
                }

                reader = _readers[joined];
            }

            var left = deadline - DateTime.UtcNow;
            if (!reader.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                return false;
            }

            joined++;
        }
    }

    /// <summary>Marks the in-flight request <paramref name="unique"/> interrupted; false when no reader is serving it.</summary>
    internal bool Interrupt(ulong unique)
    {
        lock (_lock)
        {
            foreach (var reader in _readers)
            {
                if (reader.Context.TryInterrupt(unique))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal void EnterIdle() => Interlocked.Increment(ref _idle);

    /// <summary>A reader got a request: when it was the last idle one, another starts (<paramref name="spawn"/> false after a failed read).</summary>
    internal void LeaveIdle(bool spawn)
    {
        if (Interlocked.Decrement(ref _idle) == 0 && spawn)
        {
            StartReader();
        }
    }

    /// <summary>The device is gone: no reader starts any more.</summary>
    internal void Stop()
    {
        _stopping = true;
        _disconnected.TrySetResult();
    }

    internal void ReaderExited()
    {
        if (Interlocked.Decrement(ref _live) == 0)
        {
            _initialized.Set();
            Ended?.Invoke();
            _disconnected.TrySetResult();
            _completion.TrySetResult();
        }
    }

    private void StartReader()
    {
        // Started under the lock so that JoinReaders never meets an unstarted thread.
        lock (_lock)
        {
            if (_stopping || _readers.Count >= _maxReaders || (_readers.Count > 0 && Volatile.Read(ref _live) == 0))
            {
                return;
            }

            var reader = new FuseReader(this, _bufferSize, _readers.Count);
            _readers.Add(reader);
            Interlocked.Increment(ref _live);
            reader.Start();
        }
    }
}
