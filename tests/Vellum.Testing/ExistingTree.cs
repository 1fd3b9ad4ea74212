using System.Text;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>
/// What a directory held before Vellum was first mounted on it, built directly in it (not
/// through a mount): directories several levels deep, regular files of many sizes (empty ones,
/// a large one, a sparse one with a hole in the middle, one ending in a hole), hard links in one
/// directory and across directories, symlinks (relative, absolute, dangling, to a directory),
/// a FIFO, a character device and a socket, odd modes (set-ID, sticky, none) and owners, xattrs
/// (a large value, a trusted one on a symlink), names with spaces, accents and 240 bytes, and
/// every time (atime and mtime, directories' too) set to a past instant to the nanosecond.
/// Its lists name the nodes relative to the root, for a workload to change them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExistingTree
{
    private ExistingTree(string root) => Root = root;

    public string Root { get; }

    /// <summary>Every directory but the root, parents before their children.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>Every name of a regular file, each name of a hard-linked file included.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The names of each hard-linked file, one list per file.</summary>
    public IReadOnlyList<IReadOnlyList<string>> HardLinks => _hardLinks;

    public IReadOnlyList<string> Symlinks => _symlinks;

    /// <summary>The FIFO, the character device and the socket.</summary>
    public IReadOnlyList<string> Specials => _specials;

    /// <summary>The large file, a multiple of 1 MiB of random data.</summary>
    public string LargeFile { get; private set; } = "";

    public long LargeFileBytes { get; private set; }

    /// <summary>8 MiB: data at its start and at 4 MiB, holes between and after.</summary>
    public string SparseFile { get; private set; } = "";

    /// <summary>Bytes of file data, each inode counted once, holes not counted.</summary>
    public long DataBytes { get; private set; }

    /// <summary>Names in the tree, the root not counted.</summary>
    public int Names => _directories.Count + _files.Count + _symlinks.Count + _specials.Count;

    private readonly List<string> _directories = [];
    private readonly List<string> _files = [];
    private readonly List<IReadOnlyList<string>> _hardLinks = [];
    private readonly List<string> _symlinks = [];
    private readonly List<string> _specials = [];

    private static readonly uint[] FileModes = [.. new[] { "644", "600", "640", "755", "444", "0", "4755", "2750", "705", "6711" }.Select(Octal)];
    private static readonly uint[] DirectoryModes = [.. new[] { "755", "700", "2775", "1777", "750", "555" }.Select(Octal)];
    private static readonly uint[] Owners = [0, 1000, 1001, 65534];

    /// <summary>Builds the tree in <paramref name="root"/>, an existing directory (its own mode and owner are left as they are).</summary>
    public static ExistingTree Build(string root, ExistingTreeShape shape)
    {
        var tree = new ExistingTree(root);
        new Builder(tree, shape).Build();
        return tree;
    }

    private static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    private sealed class Builder(ExistingTree tree, ExistingTreeShape shape)
    {
        private const int MiB = 1 << 20;

        private readonly Random _random = new(shape.Seed);

        public void Build()
        {
            MakeDirectories();
            MakeFiles();
            MakeLargeAndSparseFiles();
            MakeHardLinks();
            MakeSymlinks();
            MakeSpecials();
            // Last, deepest first: making a name in a directory moves its mtime, and a mode
            // without write or search permission would not stop root anyway.
            foreach (var directory in tree._directories.AsEnumerable().Reverse())
                SetAttributes(directory, DirectoryModes, "user.directory");
            SetTimes(tree.Root);
        }

        private string Full(string relative) => Path.Combine(tree.Root, relative);

        private void MakeDirectories()
        {
            var level = new List<string> { "" };
            for (var depth = 0; depth < shape.Levels; depth++)
            {
                var next = new List<string>();
                foreach (var parent in level)
                {
                    for (var i = 0; i < shape.Fanout; i++)
                        next.Add(Path.Combine(parent, $"d{i}"));
                }
                tree._directories.AddRange(next);
                level = next;
            }
            tree._directories.Add("empty");
            tree._directories.Add(Path.Combine(tree._directories[0], "empty inside"));
            foreach (var directory in tree._directories)
                Check(LibC.MkdirAt(LibCConstants.AtFdCwd, Full(directory), Octal("755")), "mkdir", directory);
        }

        /// <summary>A directory for a new name: any but the empty ones, the root included.</summary>
        private string AnyDirectory()
        {
            var index = _random.Next(tree._directories.Count - 1);
            return index == 0 ? "" : tree._directories[index - 1];
        }

        private void MakeFiles()
        {
            for (var i = 0; i < shape.Files; i++)
            {
                var name = (i % 50) switch
                {
                    1 => $"with space {i}.txt",
                    2 => $"ünïcödé-{i}",
                    3 when i < 50 => "long-" + new string('n', 235),
                    _ => $"f{i}",
                };
                var path = Path.Combine(AnyDirectory(), name);
                WriteNew(Full(path), Bytes(Size()));
                AddFile(path, Full(path));
            }
        }

        /// <summary>Mostly small, some tens of KiB, a few hundreds: a tree of source files, documents and a few images.</summary>
        private int Size() => _random.Next(100) switch
        {
            < 8 => 0,
            < 80 => 1 + _random.Next(4096),
            < 99 => 4096 + _random.Next(28 * 1024),
            _ => 64 * 1024 + _random.Next(192 * 1024),
        };

        /// <summary>open, write, close: File.WriteAllBytes preallocates first, which costs a millisecond a file here.</summary>
        private static void WriteNew(string full, byte[] data)
        {
            var fd = LibC.Open(full, LibCConstants.OWrOnly | LibCConstants.OCreat | LibCConstants.OExcl | LibCConstants.OCloExec, 0x1A4);
            if (fd < 0)
                throw SystemCallException.Last("open", full);
            try
            {
                if (data.Length > 0 && LibC.PWrite(fd, data, 0) != data.Length)
                    throw SystemCallException.Last("write", full);
            }
            finally
            {
                LibC.Close(fd);
            }
        }

        private void AddFile(string path, string full)
        {
            tree._files.Add(path);
            tree.DataBytes += new FileInfo(full).Length;
            SetAttributes(path, FileModes, "user.tag");
        }

        private void MakeLargeAndSparseFiles()
        {
            // Two levels down: the workload removes whole subtrees, the deepest ones most often.
            tree.LargeFile = Path.Combine(tree._directories[shape.Fanout], "large.bin");
            using (var large = new FileStream(Full(tree.LargeFile), FileMode.CreateNew, FileAccess.Write))
            {
                for (long written = 0; written < shape.LargeFileBytes; written += MiB)
                    large.Write(Bytes(MiB));
                tree.LargeFileBytes = large.Length;
            }
            tree.SparseFile = Path.Combine(tree._directories[1], "sparse.img");
            using (var sparse = new FileStream(Full(tree.SparseFile), FileMode.CreateNew, FileAccess.Write))
            {
                sparse.Write(Bytes(64 * 1024));
                sparse.Position = 4 * MiB;
                sparse.Write(Bytes(64 * 1024));
                sparse.SetLength(8 * MiB);
            }
            var tailHole = Path.Combine(tree._directories[2], "tail-hole");
            using (var file = new FileStream(Full(tailHole), FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(Bytes(16 * 1024));
                file.SetLength(MiB);
            }
            foreach (var path in new[] { tree.LargeFile, tree.SparseFile, tailHole })
                AddFile(path, Full(path));
            // Holes hold no data: count what the two sparse files do hold, not their sizes.
            tree.DataBytes -= 8 * MiB - 128 * 1024 + MiB - 16 * 1024;
        }

        private void MakeHardLinks()
        {
            var linked = tree._files.Where(f => f != tree.LargeFile && f != tree.SparseFile).OrderBy(_ => _random.Next()).Take(Math.Max(4, shape.Files / 75)).ToList();
            for (var i = 0; i < linked.Count; i++)
            {
                var names = new List<string> { linked[i] };
                var links = i == 0 ? 3 : 1 + _random.Next(2);
                for (var k = 0; k < links; k++)
                {
                    // The first file gets one link beside it; every other link is in any directory.
                    var directory = i == 0 && k == 0 ? Path.GetDirectoryName(linked[i])! : AnyDirectory();
                    var link = Path.Combine(directory, $"link{i}-{k}");
                    Check(LibC.LinkAt(LibCConstants.AtFdCwd, Full(linked[i]), LibCConstants.AtFdCwd, Full(link)), "link", link);
                    names.Add(link);
                    tree._files.Add(link);
                }
                tree._hardLinks.Add(names);
            }
        }

        private void MakeSymlinks()
        {
            var count = Math.Max(8, shape.Files / 50);
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(AnyDirectory(), $"s{i}");
                var directory = Path.GetDirectoryName(path)!;
                var target = (i % 4) switch
                {
                    0 => Path.GetRelativePath(Full(directory), Full(tree._files[_random.Next(tree._files.Count)])),
                    1 => "/etc/hostname",
                    2 => $"missing/target {i}",
                    _ => Path.GetRelativePath(Full(directory), Full(tree._directories[_random.Next(tree._directories.Count)])),
                };
                Check(LibC.SymlinkAt(target, LibCConstants.AtFdCwd, Full(path)), "symlink", path);
                tree._symlinks.Add(path);
                SetOwner(path);
                if (i == 0)
                    Check(LibC.SetXattr(Full(path), "trusted.link", Bytes(12), 0, followSymlink: false), "lsetxattr", path);
                SetTimes(Full(path));
            }
        }

        private void MakeSpecials()
        {
            (string Name, uint Mode, ulong Device)[] specials =
            [
                ("fifo", LibCConstants.SIfIfo | Octal("640"), 0),
                ("null-device", LibCConstants.SIfChr | Octal("666"), (1 << 8) | 3),
                ("socket", LibCConstants.SIfSock | Octal("755"), 0),
            ];
            foreach (var (name, mode, device) in specials)
            {
                var path = Path.Combine(AnyDirectory(), name);
                Check(LibC.MknodAt(LibCConstants.AtFdCwd, Full(path), mode, device), "mknod", path);
                tree._specials.Add(path);
                SetOwner(path);
                SetTimes(Full(path));
            }
        }

        /// <summary>Owner, then mode (chown clears set-ID bits), xattrs, times.</summary>
        private void SetAttributes(string path, uint[] modes, string xattr)
        {
            var full = Full(path);
            SetOwner(path);
            Check(LibC.FChmodAt(LibCConstants.AtFdCwd, full, modes[_random.Next(modes.Length)], 0), "chmod", path);
            var roll = _random.Next(10);
            if (roll < 3)
                Check(LibC.SetXattr(full, xattr, Bytes(1 + _random.Next(64)), 0), "setxattr", path);
            if (roll == 0)
                Check(LibC.SetXattr(full, "user.second", Encoding.UTF8.GetBytes($"second value of {path}"), 0), "setxattr", path);
            if (path == tree._files.FirstOrDefault())
                Check(LibC.SetXattr(full, "user.large", Bytes(2500), 0), "setxattr", path);
            SetTimes(full);
        }

        private void SetOwner(string path)
        {
            var owner = Owners[_random.Next(Owners.Length)];
            var group = Owners[_random.Next(Owners.Length)];
            Check(LibC.FChownAt(LibCConstants.AtFdCwd, Full(path), owner, group, LibCConstants.AtSymlinkNoFollow), "chown", path);
        }

        /// <summary>atime and mtime at random instants of 2001 to 2019, to the nanosecond; a symlink's own.</summary>
        private unsafe void SetTimes(string full)
        {
            var times = stackalloc TimeSpec[2];
            for (var i = 0; i < 2; i++)
            {
                times[i].Seconds = 978_307_200 + _random.NextInt64(599_529_600);
                times[i].Nanoseconds = _random.Next(1_000_000_000);
            }
            Check(LibC.UtimensAt(LibCConstants.AtFdCwd, full, times, LibCConstants.AtSymlinkNoFollow), "utimensat", full);
        }

        private byte[] Bytes(int length)
        {
            var data = new byte[length];
            _random.NextBytes(data);
            return data;
        }

        private static void Check(int result, string call, string path)
        {
            if (result != 0)
                throw SystemCallException.Last(call, path);
        }
    }
}
