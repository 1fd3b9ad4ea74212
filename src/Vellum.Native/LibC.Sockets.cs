using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>
/// Who is at the other end of a unix socket: SO_PEERCRED, the credentials the kernel recorded
/// when the peer called connect(2) or listen(2), which the peer cannot choose.
/// </summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    /// <summary>The peer of the connected unix socket <paramref name="socket"/>: its pid, uid and gid.</summary>
    /// <exception cref="SystemCallException">getsockopt failed (not a connected unix socket).</exception>
    public static PeerCredentials PeerCredentialsOf(SafeHandle socket)
    {
        using var lease = Borrow(socket);
        PeerCredentials credentials;
        var length = (uint)sizeof(PeerCredentials);
        if (GetSockOpt(lease.Fd, LibCConstants.SolSocket, LibCConstants.SoPeerCred, &credentials, &length) != 0)
            throw SystemCallException.Last("getsockopt SO_PEERCRED", $"socket {lease.Fd}");
        return credentials;
    }
}

/// <summary>struct ucred: a process's pid, uid and gid as SO_PEERCRED gives them.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid);

/// <summary>Socket options.</summary>
public static partial class LibCConstants
{
    public const int SoPeerCred = 17;
}
