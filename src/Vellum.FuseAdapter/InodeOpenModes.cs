namespace Vellum.FuseAdapter;

/// <summary>How one open of a file is served.</summary>
internal enum OpenMode
{
    /// <summary>Through this daemon with direct I/O: every byte read or written is a request.</summary>
    DirectIo,

    /// <summary>Kernel passthrough to the inode's backing file: reads never reach the daemon.</summary>
    Passthrough,

    /// <summary>
    /// Passthrough with direct I/O: reads and writes come to the daemon (FOPEN_DIRECT_IO
    /// overrides passthrough for them), but a mapping maps the backing file directly.
    /// </summary>
    PassthroughDirectIo,
}

/// <summary>
/// Decides the open mode per inode, not per open, by the opens the inode already has, as
/// the kernel requires (fs/fuse/iomode.c): while an inode has a passthrough open it has one
/// backing file, and every later open must be passthrough with that same backing id (any
/// other answer fails the caller's open(2) with EIO); a direct-I/O open that maps the file
/// shared puts the inode in caching mode, which refuses passthrough opens. So:
/// an inode with passthrough opens gets passthrough again (a writable one with direct I/O,
/// so its writes still reach the change seam); an inode with direct-I/O opens gets direct
/// I/O again; an inode with none gets passthrough when the open cannot write (reads at
/// native speed) and direct I/O when it can (so a shared mapping goes through the page
/// cache and its writeback through the daemon, and the journal sees every byte).
/// One backing id per inode, reference-counted by its passthrough opens.
/// </summary>
internal sealed class InodeOpenModes
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, InodeOpens> _inodes = [];
    private readonly Dictionary<ulong, (ulong Node, bool Passthrough)> _handles = [];

    /// <summary>
    /// Decides how <paramref name="handle"/>, an open of <paramref name="node"/>, is served.
    /// <paramref name="openBacking"/> registers the handle's backing file with the kernel and
    /// gives its backing id, or null when it cannot (the open then gets direct I/O); it is
    /// called only for an inode's first passthrough open.
    /// </summary>
    public OpenMode Open(ulong node, ulong handle, bool writable, Func<int?> openBacking, out int backingId)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(node, out var opens))
            {
                opens = new InodeOpens();
                _inodes[node] = opens;
            }
            var mode = Decide(opens, writable, openBacking);
            if (mode == OpenMode.DirectIo)
                opens.DirectIo++;
            else
                opens.Passthrough++;
            _handles[handle] = (node, mode != OpenMode.DirectIo);
            backingId = opens.BackingId;
            return mode;
        }
    }

    /// <summary>
    /// Forgets a released handle; returns the backing id to close when it was the inode's
    /// last passthrough open.
    /// </summary>
    public int? Release(ulong handle)
    {
        lock (_lock)
        {
            if (!_handles.Remove(handle, out var open) || !_inodes.TryGetValue(open.Node, out var opens))
                return null;
            int? closed = null;
            if (open.Passthrough && --opens.Passthrough == 0)
                closed = opens.BackingId;
            else if (!open.Passthrough)
                opens.DirectIo--;
            if (opens.Passthrough == 0 && opens.DirectIo == 0)
                _inodes.Remove(open.Node);
            return closed;
        }
    }

    private static OpenMode Decide(InodeOpens opens, bool writable, Func<int?> openBacking)
    {
        if (opens.Passthrough > 0)
            return writable ? OpenMode.PassthroughDirectIo : OpenMode.Passthrough;
        if (opens.DirectIo > 0 || writable)
            return OpenMode.DirectIo;
        if (openBacking() is not { } id)
            return OpenMode.DirectIo;
        opens.BackingId = id;
        return OpenMode.Passthrough;
    }

    private sealed class InodeOpens
    {
        public int Passthrough;
        public int DirectIo;
        public int BackingId;
    }
}
