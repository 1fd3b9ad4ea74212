namespace Vellum.Fuse;

/// <summary>
/// The request being served: who asked and for what. One instance per reader thread, reused
/// for every request that reader handles, so it must not be kept past the call.
/// </summary>
public sealed class FuseContext
{
    private ulong _inFlight;
    private volatile bool _interrupted;

    internal FuseContext(FuseSession session)
    {
        Session = session;
    }

    /// <summary>The session, for passthrough backing ids (<see cref="FuseSession.OpenBacking"/>).</summary>
    public FuseSession Session { get; }

    public FuseOpcode Opcode { get; private set; }
    public ulong Unique { get; private set; }
    public ulong NodeId { get; private set; }
    public uint Uid { get; private set; }
    public uint Gid { get; private set; }
    public uint Pid { get; private set; }

    /// <summary>The caller's umask for CREATE, MKDIR and MKNOD (the kernel has already applied it to the mode); 0 otherwise.</summary>
    public uint Umask { get; internal set; }

    /// <summary>
    /// The kernel asks that this request also clear the file's set-user-ID bit, and its
    /// set-group-ID bit if it is group-executable, as a write, truncation or O_TRUNC open by
    /// an unprivileged process does on a native filesystem (FUSE_HANDLE_KILLPRIV_V2: a WRITE
    /// with FUSE_WRITE_KILL_SUIDGID, OPEN / CREATE with FUSE_OPEN_KILL_SUIDGID, SETATTR with
    /// FATTR_KILL_SUIDGID). Without it, direct-I/O writes would leave the bits set.
    /// </summary>
    public bool KillSuidGid { get; internal set; }

    /// <summary>The kernel asked to interrupt this request; a long operation may stop and return EINTR.</summary>
    public bool IsInterrupted => _interrupted;

    internal void Begin(FuseOpcode opcode, ulong unique, ulong nodeId, uint uid, uint gid, uint pid)
    {
        Opcode = opcode;
        Unique = unique;
        NodeId = nodeId;
        Uid = uid;
        Gid = gid;
        Pid = pid;
        Umask = 0;
        KillSuidGid = false;
        _interrupted = false;
        // Published last: an INTERRUPT handled by another reader matches on it.
        Volatile.Write(ref _inFlight, unique);
    }

    internal void End() => Volatile.Write(ref _inFlight, 0);

    internal bool TryInterrupt(ulong unique)
    {
        if (unique == 0 || Volatile.Read(ref _inFlight) != unique)
        {
            return false;
        }

        _interrupted = true;
        return true;
    }
}
