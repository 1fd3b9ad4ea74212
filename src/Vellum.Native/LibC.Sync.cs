using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>Durability: syncing a file, its data, a range's writeback, a whole filesystem.</summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    /// <summary>
    /// fsync(2) of <paramref name="file"/>: <see cref="Errno.Success"/> or the errno it failed
    /// with. FileStream.Flush(true) will not do where that errno matters: on .NET 10.0.12 it
    /// returned normally from an fsync that strace showed failing with EIO.
    /// </summary>
    public static Errno FSync(SafeHandle file)
    {
        using var fd = Borrow(file);
        return FSync(fd.Fd) == 0 ? Errno.Success : LastError();
    }

    [LibraryImport(Library, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);

    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport(Library, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    [LibraryImport(Library, EntryPoint = "sync")]
    public static partial void Sync();

    /// <summary>fsync of the directory itself, so the names created, renamed or removed in it survive a power cut.</summary>
    /// <exception cref="SystemCallException">The directory could not be opened or synced.</exception>
    public static void SyncDirectory(string directory) => OnDirectory(directory, &FSync, "fsync");

    /// <summary>syncfs of the filesystem holding <paramref name="directory"/>: every dirty page and inode there reaches the disk.</summary>
    /// <exception cref="SystemCallException">The directory could not be opened, or the filesystem could not be synced.</exception>
    public static void SyncFileSystem(string directory) => OnDirectory(directory, &SyncFs, "syncfs");

    private static void OnDirectory(string directory, delegate*<int, int> call, string name)
    {
        var fd = Open(directory, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (fd < 0)
            throw SystemCallException.Last("open", directory);
        try
        {
            if (call(fd) != 0)
                throw SystemCallException.Last(name, directory);
        }
        finally
        {
            Close(fd);
        }
    }
}

/// <summary>sync_file_range(2) flags.</summary>
public static partial class LibCConstants
{
    public const uint SyncFileRangeWrite = 2;
}
