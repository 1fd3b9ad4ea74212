namespace Vellum.Passthrough;

/// <summary>
/// The process a request comes from, as the kernel reports it: its filesystem uid and gid,
/// its pid and the umask to apply to the modes of what it creates.
/// </summary>
public readonly record struct Caller(uint Uid, uint Gid, uint Pid, uint Umask)
{
    /// <summary>Root with umask 0: for internal requests and tests.</summary>
    public static Caller Root => new(0, 0, 0, 0);
}
