using System.Globalization;
using System.Text;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// Compares a replica with a fresh replay of its journal, walking both trees side by side,
/// one directory descriptor per level and never through a symlink: types, permission and
/// set-ID/sticky bits, owners, sizes, mtimes to the nanosecond, content byte for byte, holes
/// (the SEEK_DATA / SEEK_HOLE map, where the filesystem reports one), symlink targets,
/// device numbers, xattrs and which names share an inode. Ctimes, atimes and inode numbers
/// are nobody's choice and are not compared; nor are the root's own mirror xattrs.
/// </summary>
internal sealed unsafe class ReplicaComparison
{
    private const int ChunkSize = 256 * 1024;

    private static readonly byte[] Dot = [(byte)'.', 0];

    private readonly int _shownLimit;
    private readonly bool _compareHoles;
    private readonly List<ReplicaDifference> _shown = [];
    private readonly Dictionary<(ulong, ulong), string> _expectedLinks = [];
    private readonly Dictionary<(ulong, ulong), string> _foundLinks = [];
    private readonly byte[] _expectedChunk = new byte[ChunkSize];
    private readonly byte[] _foundChunk = new byte[ChunkSize];

    private ReplicaComparison(int shownLimit, bool compareHoles)
    {
        _shownLimit = shownLimit;
        _compareHoles = compareHoles;
    }

    /// <summary>The first <see cref="ReplicaVerification.Differences"/>, in walk order.</summary>
    public IReadOnlyList<ReplicaDifference> Shown => _shown;

    public long Count { get; private set; }

    /// <summary>
    /// Compares the tree at <paramref name="foundRoot"/> (the replica) with <paramref name="expectedRoot"/>
    /// (the replay), keeping the first <paramref name="shownLimit"/> differences; holes only
    /// with <paramref name="compareHoles"/> (two filesystems may report them differently).
    /// </summary>
    public static ReplicaComparison Compare(int expectedRoot, int foundRoot, int shownLimit, bool compareHoles)
    {
        var comparison = new ReplicaComparison(shownLimit, compareHoles);
        comparison.CompareNode(expectedRoot, foundRoot, ""u8, ".");
        return comparison;
    }

    private void Add(string path, string field, string expected, string found)
    {
        Count++;
        if (_shown.Count < _shownLimit)
            _shown.Add(new ReplicaDifference(path, field, expected, found));
    }

    /// <summary>One node of each tree (<paramref name="name"/> in the two directories; empty: the directories themselves), and below it.</summary>
    private void CompareNode(int expectedDirectory, int foundDirectory, ReadOnlySpan<byte> name, string path)
    {
        var expected = Stat(expectedDirectory, name, path);
        var found = Stat(foundDirectory, name, path);
        var type = expected.Mode & LibCConstants.SIfMt;
        if (type != (found.Mode & LibCConstants.SIfMt))
        {
            Add(path, "type", TypeName(expected.Mode), TypeName(found.Mode));
            return;
        }
        if (type != LibCConstants.SIfLnk)
            Check(path, "mode", Octal(expected.Mode & 0xFFFu), Octal(found.Mode & 0xFFFu));
        Check(path, "owner", $"{expected.Uid}:{expected.Gid}", $"{found.Uid}:{found.Gid}");
        Check(path, "mtime", Time(expected), Time(found));
        using var expectedNode = OpenNode(expectedDirectory, name, LibCConstants.OPath, path);
        using var foundNode = OpenNode(foundDirectory, name, LibCConstants.OPath, path);
        CompareXattrs(path, expectedNode.Fd, foundNode.Fd, isRoot: name.IsEmpty);
        switch (type)
        {
            case LibCConstants.SIfDir:
                CompareDirectories(expectedDirectory, foundDirectory, name, path);
                return;
            case LibCConstants.SIfReg:
                CompareLinks(path, expected, found);
                Check(path, "size", expected.Size.ToString(CultureInfo.InvariantCulture), found.Size.ToString(CultureInfo.InvariantCulture));
                if (expected.Size == found.Size)
                    CompareContent(expectedDirectory, foundDirectory, name, path);
                return;
            case LibCConstants.SIfLnk:
                CompareLinks(path, expected, found);
                Check(path, "symlink target", PathText.Show(ReadLink(expectedDirectory, name, path)), PathText.Show(ReadLink(foundDirectory, name, path)));
                return;
            case LibCConstants.SIfChr or LibCConstants.SIfBlk:
                CompareLinks(path, expected, found);
                Check(path, "device", $"{expected.RdevMajor}:{expected.RdevMinor}", $"{found.RdevMajor}:{found.RdevMinor}");
                return;
            default:
                CompareLinks(path, expected, found);
                return;
        }
    }

    private void Check(string path, string field, string expected, string found)
    {
        if (expected != found)
            Add(path, field, expected, found);
    }

    /// <summary>
    /// Which names share an inode: the first path (in walk order) of each node with more than
    /// one link, per tree. The walks go in the same order, so equal structures give equal
    /// first paths.
    /// </summary>
    private void CompareLinks(string path, in StatxBuffer expected, in StatxBuffer found)
    {
        Check(path, "link count", expected.Nlink.ToString(CultureInfo.InvariantCulture), found.Nlink.ToString(CultureInfo.InvariantCulture));
        if (expected.Nlink < 2 && found.Nlink < 2)
            return;
        var expectedFirst = FirstName(_expectedLinks, expected, path);
        var foundFirst = FirstName(_foundLinks, found, path);
        Check(path, "hard link of", expectedFirst == path ? "(first name of its node)" : expectedFirst, foundFirst == path ? "(first name of its node)" : foundFirst);
    }

    private static string FirstName(Dictionary<(ulong, ulong), string> firstNames, in StatxBuffer node, string path)
    {
        var key = (((ulong)node.DevMajor << 32) | node.DevMinor, node.Ino);
        if (firstNames.TryGetValue(key, out var first))
            return first;
        firstNames[key] = path;
        return path;
    }

    private void CompareDirectories(int expectedParent, int foundParent, ReadOnlySpan<byte> name, string path)
    {
        using var expected = name.IsEmpty ? new Descriptor(expectedParent, owned: false) : OpenNode(expectedParent, name, LibCConstants.ORdOnly | LibCConstants.ODirectory, path);
        using var found = name.IsEmpty ? new Descriptor(foundParent, owned: false) : OpenNode(foundParent, name, LibCConstants.ORdOnly | LibCConstants.ODirectory, path);
        var expectedNames = Names(expected.Fd, path);
        var foundNames = Names(found.Fd, path);
        var prefix = name.IsEmpty ? "" : path + "/";
        int e = 0, f = 0;
        while (e < expectedNames.Count || f < foundNames.Count)
        {
            var order = e == expectedNames.Count ? 1 : f == foundNames.Count ? -1 : expectedNames[e].AsSpan().SequenceCompareTo(foundNames[f]);
            if (order < 0)
            {
                Add(prefix + Show(expectedNames[e]), "existence", "present", "missing");
                e++;
            }
            else if (order > 0)
            {
                Add(prefix + Show(foundNames[f]), "existence", "absent", "present");
                f++;
            }
            else
            {
                CompareNode(expected.Fd, found.Fd, expectedNames[e], prefix + Show(expectedNames[e]));
                e++;
                f++;
            }
        }
    }

    private void CompareContent(int expectedDirectory, int foundDirectory, ReadOnlySpan<byte> name, string path)
    {
        using var expected = OpenContent(expectedDirectory, name, path);
        using var found = OpenContent(foundDirectory, name, path);
        for (long offset = 0; ; offset += ChunkSize)
        {
            var expectedRead = ReadFully(expected.Fd, _expectedChunk, offset, path);
            var foundRead = ReadFully(found.Fd, _foundChunk, offset, path);
            var mismatch = _expectedChunk.AsSpan(0, expectedRead).CommonPrefixLength(_foundChunk.AsSpan(0, foundRead));
            if (mismatch < Math.Max(expectedRead, foundRead))
            {
                Add(path, "content", "the journal's bytes", $"other bytes from byte {(offset + mismatch).ToString(CultureInfo.InvariantCulture)}");
                return;
            }
            if (expectedRead < ChunkSize)
                break;
        }
        if (_compareHoles)
            Check(path, "holes (data extents)", Extents(expected.Fd, path), Extents(found.Fd, path));
    }

    private void CompareXattrs(string path, int expectedNode, int foundNode, bool isRoot)
    {
        var expected = Xattrs(expectedNode, path, isRoot);
        var found = Xattrs(foundNode, path, isRoot);
        foreach (var xattr in expected.Keys.Union(found.Keys).Order(StringComparer.Ordinal))
            Check(path, $"xattr {xattr}", expected.GetValueOrDefault(xattr, "(none)"), found.GetValueOrDefault(xattr, "(none)"));
    }

    /// <summary>
    /// The node's xattrs (name: hex value), read through /proc/self/fd of an O_PATH descriptor
    /// (the node itself, a symlink too); the root's mirror position is the replica's own.
    /// </summary>
    private static SortedDictionary<string, string> Xattrs(int node, string path, bool isRoot)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var proc = $"/proc/self/fd/{node}";
        var list = ReadSized(buffer => LibC.ListXattr(proc, buffer), "listxattr", path);
        foreach (var range in list.AsSpan().Split((byte)0))
        {
            var bytes = list.AsSpan(range);
            if (bytes.IsEmpty)
                continue;
            var xattr = Encoding.UTF8.GetString(bytes);
            if (isRoot && xattr == MirrorPosition.XattrName)
                continue;
            result[xattr] = ShowValue(ReadSized(buffer => LibC.GetXattr(proc, xattr, buffer), "getxattr", path));
        }
        return result;
    }

    /// <summary>An xattr value as text: quoted when it is printable ASCII, else hex ("0x00ff").</summary>
    private static string ShowValue(byte[] value) =>
        value.All(b => b is >= 0x20 and < 0x7F and not (byte)'"') ? $"\"{Encoding.ASCII.GetString(value)}\"" : "0x" + Convert.ToHexStringLower(value);

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
                throw Failed(call, path);
        }
    }

    /// <summary>The data extents as SEEK_DATA / SEEK_HOLE report them: "0-4096,8192-12288" ("none" for a file all hole).</summary>
    private static string Extents(int fd, string path)
    {
        var extents = new StringBuilder();
        long at = 0;
        while (true)
        {
            var data = LibC.LSeek(fd, at, LibCConstants.SeekData);
            if (data < 0)
            {
                if (LibC.LastError() == Errno.ENXIO)
                    break;
                throw Failed("lseek SEEK_DATA", path);
            }
            var hole = LibC.LSeek(fd, data, LibCConstants.SeekHole);
            if (hole < 0)
                throw Failed("lseek SEEK_HOLE", path);
            extents.Append(CultureInfo.InvariantCulture, $"{(extents.Length == 0 ? "" : ",")}{data}-{hole}");
            at = hole;
        }
        return extents.Length == 0 ? "none" : extents.ToString();
    }

    private static int ReadFully(int fd, byte[] buffer, long offset, string path)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = LibC.PRead(fd, buffer.AsSpan(total), offset + total);
            if (read < 0)
                throw Failed("read", path);
            if (read == 0)
                break;
            total += (int)read;
        }
        return total;
    }

    private static List<byte[]> Names(int directory, string path)
    {
        if (DirectoryListing.Read(directory, out var names) != Errno.Success)
            throw Failed("getdents64", path);
        names.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        return names;
    }

    private static StatxBuffer Stat(int directory, ReadOnlySpan<byte> name, string path)
    {
        StatxBuffer stat;
        int result;
        fixed (byte* p = Terminated(name))
            result = LibC.Statx(directory, p, LibCConstants.AtSymlinkNoFollow | (name.IsEmpty ? LibCConstants.AtEmptyPath : 0), LibCConstants.StatxBasicStats, &stat);
        return result == 0 ? stat : throw Failed("statx", path);
    }

    private static Descriptor OpenNode(int directory, ReadOnlySpan<byte> name, int flags, string path)
    {
        int fd;
        fixed (byte* p = name.IsEmpty ? Dot : Terminated(name))
            fd = LibC.OpenAt(directory, p, flags | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        return fd >= 0 ? new Descriptor(fd, owned: true) : throw Failed("open", path);
    }

    /// <summary>For reading without moving the atime where the caller may (it owns the file, or is root).</summary>
    private static Descriptor OpenContent(int directory, ReadOnlySpan<byte> name, string path)
    {
        int fd;
        fixed (byte* p = Terminated(name))
        {
            fd = LibC.OpenAt(directory, p, LibCConstants.ORdOnly | LibCConstants.ONoFollow | LibCConstants.ONoAtime | LibCConstants.OCloExec, 0);
            if (fd < 0 && LibC.LastError() == Errno.EPERM)
                fd = LibC.OpenAt(directory, p, LibCConstants.ORdOnly | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        }
        return fd >= 0 ? new Descriptor(fd, owned: true) : throw Failed("open", path);
    }

    private static byte[] ReadLink(int directory, ReadOnlySpan<byte> name, string path)
    {
        var buffer = new byte[4097];
        nint length;
        fixed (byte* p = Terminated(name), b = buffer)
            length = LibC.ReadlinkAt(directory, p, b, (nuint)buffer.Length);
        return length >= 0 ? buffer[..(int)length] : throw Failed("readlink", path);
    }

    /// <summary>A name from a listing already ends with its NUL; the root's empty name gets one.</summary>
    private static byte[] Terminated(ReadOnlySpan<byte> name) => name.IsEmpty || name[^1] != 0 ? [.. name, 0] : name.ToArray();

    /// <summary>A listed name (with its NUL) as text.</summary>
    private static string Show(byte[] name) => PathText.Show(name.AsSpan(0, name.Length - 1));

    private static MirrorException Failed(string call, string path) => new($"cannot compare '{path}': {call}: {LibC.LastError().Text}");

    private static string Octal(uint bits) => "0" + Convert.ToString(bits, 8);

    private static string Time(in StatxBuffer stat) => $"{stat.MtimeSeconds}.{stat.MtimeNanoseconds:D9}";

    private static string TypeName(uint mode) => (mode & LibCConstants.SIfMt) switch
    {
        LibCConstants.SIfDir => "a directory",
        LibCConstants.SIfReg => "a regular file",
        LibCConstants.SIfLnk => "a symlink",
        LibCConstants.SIfChr => "a character device",
        LibCConstants.SIfBlk => "a block device",
        LibCConstants.SIfIfo => "a FIFO",
        LibCConstants.SIfSock => "a socket",
        _ => Octal(mode & LibCConstants.SIfMt),
    };

    /// <summary>A descriptor closed on disposal unless it is borrowed.</summary>
    private readonly struct Descriptor(int fd, bool owned) : IDisposable
    {
        public int Fd { get; } = fd;

        public void Dispose()
        {
            if (owned)
                LibC.Close(Fd);
        }
    }
}
