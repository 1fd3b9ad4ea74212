using System.Runtime.InteropServices;

namespace Vellum.Recording.Native;

/// <summary>The few reads a recorder makes of prior state (UNDO) and of copy sources.</summary>
internal static unsafe partial class RecordingLibC
{
    private const string Library = "libc";

    public const int ORdOnly = 0;
    public const int ONoFollow = 0x20000;
    public const int OCloExec = 0x80000;

    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int directoryFd, byte* path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int directoryFd, byte* path, byte* buffer, nuint size);
}
