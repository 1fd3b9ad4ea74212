using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>Mounting: mount(2) and umount2(2), and receiving the /dev/fuse descriptor fusermount3 opened.</summary>
public static unsafe partial class LibC
{
    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fsType, ulong flags, string data);

    [LibraryImport(Library, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    /// <summary>struct msghdr.</summary>
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

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }
}

/// <summary>Flags of mount(2), umount2(2) and the socket calls.</summary>
public static partial class LibCConstants
{
    public const ulong MsNosuid = 2;
    public const ulong MsNodev = 4;
    public const int MntForce = 1;
    public const int MntDetach = 2;
    public const int AfUnix = 1;
    public const int SockStream = 1;
    public const int SolSocket = 1;
    public const int ScmRights = 1;
}
