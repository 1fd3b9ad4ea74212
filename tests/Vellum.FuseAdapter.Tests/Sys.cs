using System.Text;
using Vellum.Native;

namespace Vellum.FuseAdapter.Tests;

/// <summary>The scenarios' syscalls as an application makes them, each answering 0 or the errno's number (what the scenario texts show).</summary>
internal static class Sys
{
    public static int Rename2(string from, string to, uint flags) =>
        Check(LibC.RenameAt2(LibCConstants.AtFdCwd, from, LibCConstants.AtFdCwd, to, flags));

    public static int Link(string existing, string name) =>
        Check(LibC.LinkAt(LibCConstants.AtFdCwd, existing, LibCConstants.AtFdCwd, name));

    public static int Chown(string path, uint uid, uint gid) =>
        Check(LibC.FChownAt(LibCConstants.AtFdCwd, path, uid, gid, LibCConstants.AtSymlinkNoFollow));

    public static int SetXattr(string path, string name, byte[] value, int flags = 0) =>
        Check(LibC.SetXattr(path, name, value, flags, followSymlink: false));

    public static int RemoveXattr(string path, string name) => Check(LibC.RemoveXattr(path, name, followSymlink: false));

    public static (int Error, byte[] Value) GetXattr(string path, string name)
    {
        var buffer = new byte[65536];
        var length = LibC.GetXattr(path, name, buffer, followSymlink: false);
        return length < 0 ? (Errno(), []) : (0, buffer[..(int)length]);
    }

    public static (int Error, string[] Names) ListXattr(string path)
    {
        var buffer = new byte[65536];
        var length = LibC.ListXattr(path, buffer, followSymlink: false);
        return length < 0
            ? (Errno(), [])
            : (0, Encoding.UTF8.GetString(buffer, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray());
    }

    public static int Fallocate(int fd, int mode, long offset, long length) => Check(LibC.FAllocate(fd, mode, offset, length));

    public static long Seek(int fd, long offset, int whence)
    {
        var result = LibC.LSeek(fd, offset, whence);
        return result < 0 ? -Errno() : result;
    }

    public static int Errno() => (int)LibC.LastError();

    private static int Check(int result) => result == 0 ? 0 : Errno();
}
