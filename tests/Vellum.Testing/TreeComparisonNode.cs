using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Vellum.Testing;

/// <summary>Everything <see cref="TreeComparison"/> compares of one node, read without following a symlink.</summary>
internal sealed record TreeComparisonNode(uint Type, uint Mode, uint Uid, uint Gid, ulong Size, long MtimeSeconds, uint MtimeNanoseconds,
    long AtimeSeconds, uint AtimeNanoseconds, ulong Inode, uint Nlink, string Rdev, string Content, string LinkTarget, string Extents, SortedDictionary<string, string> Xattrs)
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;
    public const uint CharDevice = 0x2000;
    public const uint BlockDevice = 0x6000;

    public static unsafe TreeComparisonNode Read(string path)
    {
        TreeComparisonStatx stat;
        if (TreeComparisonLibC.Statx(TreeComparisonLibC.AtFdCwd, path, TreeComparisonLibC.AtSymlinkNoFollow, TreeComparisonLibC.StatxBasicStats, &stat) != 0)
            throw TreeComparisonLibC.Failure("statx", path);
        var type = stat.Mode & TypeMask;
        var isDevice = type is CharDevice or BlockDevice;
        return new TreeComparisonNode(type, stat.Mode & 0xFFFu, stat.Uid, stat.Gid, stat.Size, stat.MtimeSeconds, stat.MtimeNanoseconds,
            stat.AtimeSeconds, stat.AtimeNanoseconds, stat.Ino, stat.Nlink,
            isDevice ? $"{stat.RdevMajor}:{stat.RdevMinor}" : "",
            type == Regular ? Hash(path) : "",
            type == Symlink ? Convert.ToHexString(ReadLink(path)) : "",
            type == Regular ? ExtentMap(path) : "",
            ReadXattrs(path));
    }

    private static string Hash(string path)
    {
        using var handle = OpenWithoutAtime(path);
        using var file = new FileStream(handle, FileAccess.Read);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    /// <summary>
    /// Opens for reading with O_NOATIME where the caller may (it owns the file, or is root), so
    /// that comparing a tree does not move the atimes a program set and a later comparison checks.
    /// </summary>
    private static SafeFileHandle OpenWithoutAtime(string path)
    {
        var fd = TreeComparisonLibC.Open(path, TreeComparisonLibC.ORdOnly | TreeComparisonLibC.OCloExec | TreeComparisonLibC.ONoAtime);
        if (fd < 0 && TreeComparisonLibC.LastError() == TreeComparisonLibC.EPERM)
            fd = TreeComparisonLibC.Open(path, TreeComparisonLibC.ORdOnly | TreeComparisonLibC.OCloExec);
        if (fd < 0)
            throw TreeComparisonLibC.Failure("open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static unsafe byte[] ReadLink(string path)
    {
        var buffer = new byte[4097];
        nint length;
        fixed (byte* b = buffer)
            length = TreeComparisonLibC.ReadLink(path, b, (nuint)buffer.Length);
        if (length < 0)
            throw TreeComparisonLibC.Failure("readlink", path);
        return buffer[..(int)length];
    }

    /// <summary>The data extents as SEEK_DATA / SEEK_HOLE report them: "start-end,..." ("" for a file that is all hole).</summary>
    private static string ExtentMap(string path)
    {
        using SafeFileHandle file = OpenWithoutAtime(path);
        var fd = (int)file.DangerousGetHandle();
        var extents = new StringBuilder();
        long at = 0;
        while (true)
        {
            var data = TreeComparisonLibC.LSeek(fd, at, TreeComparisonLibC.SeekData);
            if (data < 0)
            {
                if (TreeComparisonLibC.LastError() == TreeComparisonLibC.ENXIO)
                    break;
                throw TreeComparisonLibC.Failure("lseek SEEK_DATA", path);
            }
            var hole = TreeComparisonLibC.LSeek(fd, data, TreeComparisonLibC.SeekHole);
            if (hole < 0)
                throw TreeComparisonLibC.Failure("lseek SEEK_HOLE", path);
            extents.Append(CultureInfo.InvariantCulture, $"{(extents.Length == 0 ? "" : ",")}{data}-{hole}");
            at = hole;
        }
        return extents.ToString();
    }

    private static unsafe SortedDictionary<string, string> ReadXattrs(string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var list = ReadSized(size => { fixed (byte* b = size) return TreeComparisonLibC.LListXattr(path, b, (nuint)size.Length); }, "llistxattr", path);
        foreach (var range in list.AsSpan().Split((byte)0))
        {
            var name = list.AsSpan(range);
            if (name.IsEmpty)
                continue;
            byte[] terminated = [.. name, 0];
            var value = ReadSized(buffer =>
            {
                fixed (byte* n = terminated)
                fixed (byte* b = buffer)
                    return TreeComparisonLibC.LGetXattr(path, n, b, (nuint)buffer.Length);
            }, "lgetxattr", path);
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
            if (TreeComparisonLibC.LastError() != TreeComparisonLibC.ERANGE || size > 1 << 20)
                throw TreeComparisonLibC.Failure(call, path);
        }
    }
}
