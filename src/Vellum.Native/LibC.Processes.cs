using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>The process: its credentials, umask, limits and resource use, and signals to others.</summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Library, EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>setfsuid(2): this thread's filesystem uid; returns the previous one.</summary>
    [LibraryImport(Library, EntryPoint = "setfsuid")]
    public static partial int SetFsUid(uint uid);

    /// <summary>setfsgid(2): this thread's filesystem gid; returns the previous one.</summary>
    [LibraryImport(Library, EntryPoint = "setfsgid")]
    public static partial int SetFsGid(uint gid);

    [LibraryImport(Library, EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, ulong* limits);

    /// <summary>getrusage(2) into a struct rusage (at most <see cref="LibCConstants.RUsageBufferSize"/> bytes).</summary>
    [LibraryImport(Library, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRUsage(int who, byte* usage);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}

/// <summary>Resource limits, rusage and signal numbers.</summary>
public static partial class LibCConstants
{
    public const int RLimitNoFile = 7;

    /// <summary>RUSAGE_SELF: every thread of the process.</summary>
    public const int RUsageSelf = 0;

    /// <summary>Large enough for struct rusage (144 bytes on 64-bit Linux).</summary>
    public const int RUsageBufferSize = 256;

    public const int SigTerm = 15;
}
