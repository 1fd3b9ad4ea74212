using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vellum.Replication.Tests;

/// <summary>The system calls the tests make that .NET's file APIs do not offer as they are.</summary>
internal static partial class Native
{
    public const int EIO = 5;

    /// <summary>
    /// fsync(2): 0, or the errno it failed with. FileStream.Flush(true) will not do here: on
    /// .NET 10.0.12 it returned normally from an fsync that strace showed failing with EIO.
    /// </summary>
    public static int FSync(SafeFileHandle file) => FSyncRaw(file) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSyncRaw(SafeFileHandle fd);

    /// <summary>umount(2), straight from this process: no `vellum umount` start-up between the last write and the unmount.</summary>
    [LibraryImport("libc", EntryPoint = "umount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount(string target);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LGetXattr(string path, string name, byte[] value, nuint size);
}
