using System.Runtime.InteropServices;

namespace Vellum.Bench.Store;

/// <summary>
/// The calls of the raw anchors: plain write(2) and fdatasync(2), the same system calls the
/// store makes (FileStream.Flush(true) would be fsync, which also writes back metadata).
/// </summary>
internal static unsafe partial class SyncLibC
{
    public const int OWrOnly = 0x1;
    public const int OCreat = 0x40;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int OCloExec = 0x80000;
    public const int EINTR = 4;
    public const int RUsageSelf = 0;

    /// <summary>Large enough for struct rusage (144 bytes on 64-bit Linux).</summary>
    public const int RUsageBufferSize = 256;

    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);

    /// <summary>getrusage(2): CPU time and context switches, RUSAGE_SELF summing every thread of the process.</summary>
    [LibraryImport(Library, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRUsage(int who, byte* usage);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public static IOException Error(string call, string path) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
