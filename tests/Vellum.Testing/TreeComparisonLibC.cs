using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vellum.Testing;

/// <summary>The calls the tree comparison makes; none follows a final symlink.</summary>
internal static unsafe partial class TreeComparisonLibC
{
    private const string Library = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxBasicStats = 0x7FF;
    public const int SeekData = 3;
    public const int SeekHole = 4;
    public const int ENXIO = 6;
    public const int EPERM = 1;
    public const int ONoAtime = 0x40000;
    public const int ERANGE = 34;
    public const int EISDIR = 21;
    public const int AtRemoveDir = 0x200;

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirFd, string path, int flags, uint mask, TreeComparisonStatx* buffer);

    public const int ORdOnly = 0;
    public const int ODirectory = 0x10000;
    public const int ONoFollow = 0x20000;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;

    [LibraryImport(Library, EntryPoint = "listxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ListXattr(string path, byte* list, nuint size);

    [LibraryImport(Library, EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetXattr(string path, byte* name, byte* value, nuint size);

    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLinkAt(int directoryFd, string name, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtRaw(int directoryFd, string name, int flags);

    [LibraryImport(Library, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int directoryFd, string name, int flags);

    [LibraryImport(Library, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int directoryFd, byte* buffer, nuint count);

    /// <summary>openat, close-on-exec, as a handle that closes it.</summary>
    /// <exception cref="IOException">It failed; <paramref name="shown"/> names the node.</exception>
    public static SafeFileHandle OpenAt(int directoryFd, string name, int flags, string shown)
    {
        var fd = OpenAtRaw(directoryFd, name, flags | OCloExec);
        return fd < 0 ? throw Failure("open", shown) : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat for reading with O_NOATIME where the caller may (it owns the file, or is root), so
    /// that comparing a tree does not move the atimes a program set and a later comparison checks.
    /// </summary>
    public static SafeFileHandle OpenAtWithoutAtime(int directoryFd, string name, int flags, string shown)
    {
        var fd = OpenAtRaw(directoryFd, name, flags | OCloExec | ONoAtime);
        if (fd < 0 && LastError() == EPERM)
            fd = OpenAtRaw(directoryFd, name, flags | OCloExec);
        return fd < 0 ? throw Failure("open", shown) : new SafeFileHandle(fd, ownsHandle: true);
    }

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    /// <summary>The names in the directory <paramref name="directory"/> (opened for reading), "." and ".." left out.</summary>
    public static List<string> Names(SafeFileHandle directory, string shown)
    {
        var names = new List<string>();
        var buffer = new byte[32 * 1024];
        while (true)
        {
            nint read;
            fixed (byte* b = buffer)
                read = GetDents64((int)directory.DangerousGetHandle(), b, (nuint)buffer.Length);
            if (read < 0)
                throw Failure("getdents64", shown);
            if (read == 0)
                return names;
            for (var at = 0; at < read;)
            {
                // struct linux_dirent64: u64 d_ino, i64 d_off, u16 d_reclen, u8 d_type, then the NUL-terminated name.
                var entry = buffer.AsSpan(at);
                var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(entry[16..]);
                var name = entry[19..length];
                name = name[..name.IndexOf((byte)0)];
                at += length;
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    names.Add(System.Text.Encoding.UTF8.GetString(name));
            }
        }
    }

    public static int LastError() => Marshal.GetLastPInvokeError();

    public static IOException Failure(string call, string path) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(LastError())}");
}

/// <summary>struct statx: the fields compared, at their kernel ABI offsets.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct TreeComparisonStatx
{
    [FieldOffset(16)] public uint Nlink;
    [FieldOffset(20)] public uint Uid;
    [FieldOffset(24)] public uint Gid;
    [FieldOffset(28)] public ushort Mode;
    [FieldOffset(32)] public ulong Ino;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(64)] public long AtimeSeconds;
    [FieldOffset(72)] public uint AtimeNanoseconds;
    [FieldOffset(112)] public long MtimeSeconds;
    [FieldOffset(120)] public uint MtimeNanoseconds;
    [FieldOffset(128)] public uint RdevMajor;
    [FieldOffset(132)] public uint RdevMinor;
}
