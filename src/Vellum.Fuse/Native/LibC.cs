using System.Runtime.InteropServices;

namespace Vellum.Fuse.Native;

/// <summary>The libc calls the FUSE layer needs; every one sets errno for <see cref="Marshal.GetLastPInvokeError"/>.</summary>
internal static unsafe partial class LibC
{
    public const int ORdwr = 2;
    public const int OCloexec = 0x80000;
    public const ulong MsNosuid = 2;
    public const ulong MsNodev = 4;
    public const int MntForce = 1;
    public const int MntDetach = 2;
    public const int AfUnix = 1;
    public const int SockStream = 1;
    public const int SolSocket = 1;
    public const int ScmRights = 1;

    /// <summary>sizeof(struct stat) on x86-64 and arm64 is at most 144 bytes.</summary>
    public const int StatBufferSize = 256;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fsType, ulong flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>errno of a stat(2) of the path, 0 when it succeeds.</summary>
    public static int StatErrno(string path)
    {
        var buffer = stackalloc byte[StatBufferSize];
        return Stat(path, buffer) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// 0 or the errno of statfs(2). Unlike stat, which the kernel may answer from its
    /// attribute cache for a second after the server died, statfs always asks the server,
    /// so a dead FUSE mount reliably gives ENOTCONN.
    /// </summary>
    public static int StatFsErrno(string path)
    {
        var buffer = stackalloc byte[StatFsBufferSize];
        return StatFs(path, buffer) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private const int StatFsBufferSize = 120;

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, byte* buffer);

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }
}
