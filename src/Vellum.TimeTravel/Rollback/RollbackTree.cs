using System.Text;
using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// A tree as a rollback compares it: every name below a root (the root itself as ""), read
/// without following a symlink. Only directories are descended into, so a symlink in the
/// live tree never leads the rollback outside it.
/// </summary>
internal static unsafe class RollbackTree
{
    /// <summary>The root's own xattrs that belong to Vellum (a mount's binding mark, a mirror's position), never rolled back.</summary>
    private static readonly string[] RootMarks = ["trusted.vellum.", "user.vellum."];

    /// <summary>Listing and value buffers, one pair per thread: a rollback reads thousands of names, in parallel while it applies.</summary>
    [ThreadStatic]
    private static byte[]? t_list;

    [ThreadStatic]
    private static byte[]? t_value;

    /// <summary>Every name below <paramref name="root"/> by its path relative to it; empty when the root does not exist.</summary>
    /// <param name="readXattrs">Whether to read every name's xattrs now (else <see cref="RollbackNode.Xattrs"/> stays null until <see cref="WithXattrs"/>).</param>
    public static SortedDictionary<string, RollbackNode> Scan(string root, bool readXattrs)
    {
        var nodes = new SortedDictionary<string, RollbackNode>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push("");
        while (pending.TryPop(out var relative))
        {
            var node = Read(Full(root, relative), relative.Length == 0, readXattrs);
            if (node is null)
                continue;
            nodes[relative] = node;
            if (!node.IsDirectory)
                continue;
            foreach (var entry in Directory.EnumerateFileSystemEntries(Full(root, relative)))
                pending.Push(relative.Length == 0 ? Path.GetFileName(entry) : $"{relative}/{Path.GetFileName(entry)}");
        }
        return nodes;
    }

    public static string Full(string root, string relative) => relative.Length == 0 ? root : $"{root}/{relative}";

    /// <summary>The node with its xattrs, read now when they were not.</summary>
    public static RollbackNode WithXattrs(RollbackNode node, string path, bool isRoot) =>
        node.Xattrs is null ? node with { Xattrs = Xattrs(path, isRoot) } : node;

    /// <summary>One name's node; null when it does not exist.</summary>
    public static RollbackNode? Read(string path, bool isRoot, bool readXattrs = true)
    {
        StatxBuffer stat;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
        {
            var error = LibC.LastError();
            return error == Errno.ENOENT ? null : throw new IOException($"cannot read {path}: {error.Text}");
        }
        string? target = null;
        if ((stat.Mode & LibCConstants.SIfMt) == LibCConstants.SIfLnk)
        {
            var buffer = new byte[4096];
            var length = LibC.ReadlinkAt(LibCConstants.AtFdCwd, path, buffer);
            if (length < 0)
                throw new IOException($"cannot read the symlink {path}: {LibC.LastError().Text}");
            target = Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
        return new RollbackNode(stat.Mode, stat.Uid, stat.Gid, stat.Size, stat.MtimeSeconds, stat.MtimeNanoseconds,
            stat.AtimeSeconds, stat.AtimeNanoseconds, stat.Ino, stat.Nlink, DeviceNumber(stat.RdevMajor, stat.RdevMinor), target,
            readXattrs ? Xattrs(path, isRoot) : null, new RollbackCtime(stat.CtimeSeconds, stat.CtimeNanoseconds));
    }

    /// <summary>glibc's makedev, as mknod takes it.</summary>
    private static ulong DeviceNumber(uint major, uint minor) =>
        (((ulong)major & 0xFFFFF000) << 32) | (((ulong)major & 0xFFF) << 8) | (((ulong)minor & 0xFFFFFF00) << 12) | ((ulong)minor & 0xFF);

    private static Dictionary<string, byte[]> Xattrs(string path, bool isRoot)
    {
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var list = t_list ??= new byte[65536];
        var length = LibC.ListXattr(path, list, followSymlink: false);
        if (length <= 0)
            return xattrs;
        foreach (var name in Encoding.UTF8.GetString(list, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (isRoot && RootMarks.Any(mark => name.StartsWith(mark, StringComparison.Ordinal)))
                continue;
            var value = t_value ??= new byte[65536];
            var size = LibC.GetXattr(path, name, value, followSymlink: false);
            if (size >= 0)
                xattrs[name] = value[..(int)size];
        }
        return xattrs;
    }
}
