using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Vellum.Recording.Native;

/// <summary>The few reads a recorder makes of prior state (UNDO) and of copy sources.</summary>
internal static unsafe partial class RecordingLibC
{
    private const string Library = "libc";

    public const int ORdOnly = 0;
    public const int ONoFollow = 0x20000;
    public const int OCloExec = 0x80000;
    public const int ODirectory = 0x10000;
    public const int OPath = 0x200000;
    public const int AtFdCwd = -100;

    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int directoryFd, byte* path, int flags);

    /// <summary>getdents64(2): linux_dirent64 records {u64 d_ino, i64 d_off, u16 d_reclen, u8 d_type, NUL-terminated d_name}.</summary>
    [LibraryImport(Library, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int directoryFd, byte* buffer, nuint count);

    /// <summary>openat of the directory <paramref name="name"/> (".", "..") relative to <paramref name="directoryFd"/>, close-on-exec; -1 on failure.</summary>
    public static int OpenDirectoryAt(int directoryFd, ReadOnlySpan<byte> name, int flags)
    {
        Span<byte> native = stackalloc byte[name.Length + 1];
        name.CopyTo(native);
        native[^1] = 0;
        fixed (byte* p = native)
            return OpenAt(directoryFd, p, flags | ODirectory | OCloExec);
    }

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int directoryFd, byte* path, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport(Library, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    /// <summary>fsync of the directory itself, so a rename in it survives a power cut.</summary>
    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void SyncDirectory(string directory) => OnDirectory(directory, FSync, "fsync");

    /// <summary>syncfs of the filesystem holding <paramref name="directory"/>: every dirty page and inode there reaches the disk.</summary>
    /// <exception cref="IOException">The directory could not be opened, or the filesystem could not be synced.</exception>
    public static void SyncFileSystem(string directory) => OnDirectory(directory, SyncFs, "syncfs");

    private static void OnDirectory(string directory, Func<int, int> call, string name)
    {
        var native = new byte[Encoding.UTF8.GetByteCount(directory) + 1];
        Encoding.UTF8.GetBytes(directory, native);
        int fd;
        fixed (byte* p = native)
        {
            fd = OpenAt(AtFdCwd, p, ORdOnly | ODirectory | OCloExec);
        }
        if (fd < 0)
            throw new IOException($"open {directory}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        try
        {
            if (call(fd) != 0)
                throw new IOException($"{name} {directory}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
        finally
        {
            Close(fd);
        }
    }
}
