using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>Everything <see cref="TreeComparison"/> compares of one node, read without following a symlink.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed record TreeComparisonNode(uint Type, uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSeconds, uint MtimeNanoseconds,
    long AtimeSeconds, uint AtimeNanoseconds, ulong Inode, uint Nlink, string Rdev, string Content, string LinkTarget, string Extents, SortedDictionary<string, string> Xattrs)
{
    public const uint TypeMask = LibCConstants.SIfMt;
    public const uint Directory = LibCConstants.SIfDir;
    public const uint Regular = LibCConstants.SIfReg;
    public const uint Symlink = LibCConstants.SIfLnk;
    public const uint CharDevice = LibCConstants.SIfChr;
    public const uint BlockDevice = LibCConstants.SIfBlk;

    /// <summary>
    /// Reads <paramref name="name"/> in the directory <paramref name="directoryFd"/> (or a path
    /// with <see cref="LibCConstants.AtFdCwd"/>), never by a path from the tree's root,
    /// which may be longer than PATH_MAX; <paramref name="shown"/> names it in errors.
    /// </summary>
    public static unsafe TreeComparisonNode Read(int directoryFd, string name, string shown)
    {
        StatxBuffer stat;
        if (LibC.Statx(directoryFd, name, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
            throw SystemCallException.Last("statx", shown);
        var type = stat.Mode & TypeMask;
        var isDevice = type is CharDevice or BlockDevice;
        using var node = TreeDirectory.OpenAt(directoryFd, name, LibCConstants.OPath | LibCConstants.ONoFollow, shown);
        using var content = type == Regular ? TreeDirectory.OpenAtWithoutAtime(directoryFd, name, LibCConstants.ORdOnly | LibCConstants.ONoFollow, shown) : null;
        return new TreeComparisonNode(type, stat.Mode & 0xFFFu, stat.Uid, stat.Gid, stat.Size, stat.MtimeSeconds, stat.MtimeNanoseconds,
            stat.AtimeSeconds, stat.AtimeNanoseconds, stat.Ino, stat.Nlink,
            isDevice ? $"{stat.RdevMajor}:{stat.RdevMinor}" : "",
            content is null ? "" : Hash(content),
            type == Symlink ? Convert.ToHexString(ReadLink(directoryFd, name, shown)) : "",
            content is null ? "" : ExtentMap(content, shown),
            ReadXattrs($"/proc/self/fd/{node.DangerousGetHandle()}", shown));
    }

    private static string Hash(SafeFileHandle file)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long offset = 0;
        int read;
        while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            offset += read;
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static byte[] ReadLink(int directoryFd, string name, string shown)
    {
        var buffer = new byte[4097];
        var length = LibC.ReadlinkAt(directoryFd, name, buffer);
        if (length < 0)
            throw SystemCallException.Last("readlink", shown);
        return buffer[..(int)length];
    }

    /// <summary>The data extents as SEEK_DATA / SEEK_HOLE report them: "start-end,..." ("" for a file that is all hole).</summary>
    private static string ExtentMap(SafeFileHandle file, string path)
    {
        var fd = (int)file.DangerousGetHandle();
        var extents = new StringBuilder();
        long at = 0;
        while (true)
        {
            var data = LibC.LSeek(fd, at, LibCConstants.SeekData);
            if (data < 0)
            {
                if (LibC.LastError() == Errno.ENXIO)
                    break;
                throw SystemCallException.Last("lseek SEEK_DATA", path);
            }
            var hole = LibC.LSeek(fd, data, LibCConstants.SeekHole);
            if (hole < 0)
                throw SystemCallException.Last("lseek SEEK_HOLE", path);
            extents.Append(CultureInfo.InvariantCulture, $"{(extents.Length == 0 ? "" : ",")}{data}-{hole}");
            at = hole;
        }
        return extents.ToString();
    }

    /// <summary>The xattrs of the node behind <paramref name="path"/> (its /proc/self/fd link: the node itself, a symlink too).</summary>
    private static unsafe SortedDictionary<string, string> ReadXattrs(string path, string shown)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var list = ReadSized(size => LibC.ListXattr(path, size), "listxattr", shown);
        byte[] nativePath = [.. Encoding.UTF8.GetBytes(path), 0];
        foreach (var range in list.AsSpan().Split((byte)0))
        {
            var name = list.AsSpan(range);
            if (name.IsEmpty)
                continue;
            byte[] terminated = [.. name, 0];
            var value = ReadSized(buffer =>
            {
                fixed (byte* p = nativePath, n = terminated, b = buffer)
                    return LibC.GetXattr(p, n, b, (nuint)buffer.Length);
            }, "getxattr", shown);
            result[Encoding.UTF8.GetString(name)] = Convert.ToHexString(value);
        }
        return result;
    }

    /// <summary>Calls <paramref name="read"/> with a growing buffer until the value fits (ERANGE: it grew meanwhile).</summary>
    private static byte[] ReadSized(Func<byte[], nint> read, string call, string path)
    {
        for (var size = 256; ; size *= 4)
        {
            var buffer = new byte[size];
            var length = read(buffer);
            if (length >= 0)
                return buffer[..(int)length];
            if (LibC.LastError() != Errno.ERANGE || size > 1 << 20)
                throw SystemCallException.Last(call, path);
        }
    }
}
