using System.Text;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror.Tests;

/// <summary>The real syscalls the tests make on the source tree; each throws on failure.</summary>
internal static unsafe class Sys
{
    public static void Mknod(string path, uint mode, ulong device) =>
        Check(LibC.MknodAt(LibCConstants.AtFdCwd, path, mode, device), "mknod", path);

    public static void Link(string existing, string name) =>
        Check(LibC.LinkAt(LibCConstants.AtFdCwd, existing, LibCConstants.AtFdCwd, name), "link", name);

    public static void Lchown(string path, uint uid, uint gid) =>
        Check(LibC.FChownAt(LibCConstants.AtFdCwd, path, uid, gid, LibCConstants.AtSymlinkNoFollow), "lchown", path);

    public static void Chmod(string path, uint mode) => Check(LibC.FChmodAt(LibCConstants.AtFdCwd, path, mode, 0), "chmod", path);

    public static void Rename(string from, string to, uint flags) =>
        Check(LibC.RenameAt2(LibCConstants.AtFdCwd, from, LibCConstants.AtFdCwd, to, flags), "renameat2", from);

    public static void SetXattr(string path, string name, byte[] value) =>
        Check(LibC.SetXattr(path, name, value, 0, followSymlink: false), "lsetxattr", path);

    public static void RemoveXattr(string path, string name) => Check(LibC.RemoveXattr(path, name, followSymlink: false), "lremovexattr", path);

    public static void Fallocate(string path, int mode, long offset, long length)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        using var fd = LibC.Borrow(file);
        Check(LibC.FAllocate(fd.Fd, mode, offset, length), "fallocate", path);
    }

    /// <summary>Sets atime and mtime of the node itself (a symlink is not followed).</summary>
    public static void SetTimes(string path, (long Seconds, long Nanoseconds) atime, (long Seconds, long Nanoseconds) mtime)
    {
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = atime.Seconds, Nanoseconds = atime.Nanoseconds };
        times[1] = new TimeSpec { Seconds = mtime.Seconds, Nanoseconds = mtime.Nanoseconds };
        Check(LibC.UtimensAt(LibCConstants.AtFdCwd, path, times, LibCConstants.AtSymlinkNoFollow), "utimensat", path);
    }

    /// <summary>lstat: mode, uid, gid, size, atime, mtime, inode.</summary>
    public static Stat Lstat(string path)
    {
        StatxBuffer buffer;
        Check(LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &buffer), "statx", path);
        return new Stat(
            buffer.Mode, buffer.Uid, buffer.Gid, buffer.Size,
            (buffer.AtimeSeconds, buffer.AtimeNanoseconds), (buffer.MtimeSeconds, buffer.MtimeNanoseconds), buffer.Ino,
            NodeInfo.DeviceNumber(buffer.RdevMajor, buffer.RdevMinor));
    }

    /// <summary>readlink: the symlink's target bytes.</summary>
    public static byte[] ReadLink(string path)
    {
        var buffer = new byte[4097];
        var length = LibC.ReadlinkAt(LibCConstants.AtFdCwd, path, buffer);
        if (length < 0)
            throw SystemCallException.Last("readlink", path);
        return buffer[..(int)length];
    }

    /// <summary>Every xattr of the node itself (a symlink is not followed), with its value.</summary>
    public static List<ExtendedAttribute> Xattrs(string path)
    {
        var list = new byte[64 * 1024];
        var length = LibC.ListXattr(path, list, followSymlink: false);
        if (length < 0)
            throw SystemCallException.Last("llistxattr", path);
        var xattrs = new List<ExtendedAttribute>();
        foreach (var range in list.AsSpan(0, (int)length).Split((byte)0))
        {
            var name = Encoding.UTF8.GetString(list.AsSpan(range));
            if (name.Length == 0)
                continue;
            var value = new byte[64 * 1024];
            var size = LibC.GetXattr(path, name, value, followSymlink: false);
            if (size < 0)
                throw SystemCallException.Last("lgetxattr", path);
            xattrs.Add(new ExtendedAttribute(Encoding.UTF8.GetBytes(name), value[..(int)size]));
        }
        return xattrs;
    }

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
            throw SystemCallException.Last(call, path);
    }
}

internal readonly record struct Stat(uint Mode, uint Uid, uint Gid, ulong Size, (long Seconds, uint Nanoseconds) Atime, (long Seconds, uint Nanoseconds) Mtime, ulong Inode, ulong Rdev);
