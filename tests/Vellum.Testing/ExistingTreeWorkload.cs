using System.Collections.Concurrent;
using System.Text;
using Vellum.Native;

namespace Vellum.Testing;

/// <summary>
/// Changes of every kind to the objects an <see cref="ExistingTree"/> put in a directory, made
/// through a mount of it by several threads at once: writes in the middle, appends,
/// truncations, chmod, chown, xattrs, times, renames of files and directories (also into other
/// directories), hard links, unlinks, removal of whole subtrees, holes punched and filled, and
/// new files and directories among the old ones. Threads share one list of the names as they
/// now are, so most changes land on an existing object; names that moved under another
/// thread (a renamed or removed parent) fail, which is counted and otherwise ignored.
/// With <paramref name="within"/> (a directory of the tree) the changes are made to what is
/// under it only (new names may still go anywhere).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExistingTreeWorkload(string root, ExistingTree tree, int seed, string? within = null)
{
    private readonly object _lock = new();
    private readonly List<string> _files = [.. tree.Files.Where(f => Under(f, within))];
    private readonly List<string> _directories = [.. tree.Directories.Where(d => Under(d, within))];
    private readonly ConcurrentDictionary<string, long> _succeeded = new();
    private readonly ConcurrentDictionary<string, long> _failed = new();
    private long _names;

    // Where the large and the sparse file are now: the changes meant for them follow their renames.
    private string _largeFile = Under(tree.LargeFile, within) ? tree.LargeFile : "missing";
    private string _sparseFile = Under(tree.SparseFile, within) ? tree.SparseFile : "missing";

    /// <summary>Changes that succeeded, by kind.</summary>
    public IReadOnlyDictionary<string, long> Succeeded => _succeeded;

    public long Failed => _failed.Values.Sum();

    public long SucceededCount => _succeeded.Values.Sum();

    /// <summary>Runs <paramref name="threads"/> threads of at most <paramref name="operations"/> changes each, or until cancelled.</summary>
    public void Run(int threads, int operations, CancellationToken cancellation = default) =>
        WorkerThreads.Run(threads, seed, random => Worker(random, operations, cancellation));

    /// <summary>One line for a test's output: how many changes of each kind succeeded, and how many failed.</summary>
    public override string ToString() =>
        "succeeded " + Show(_succeeded) + "; failed " + Show(_failed);

    private static string Show(ConcurrentDictionary<string, long> counts) =>
        string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

    private void Worker(Random random, int operations, CancellationToken cancellation)
    {
        for (var i = 0; i < operations && !cancellation.IsCancellationRequested; i++)
        {
            string kind;
            bool done;
            try
            {
                (kind, done) = Step(random);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // A subtree removal that met a name another thread moved, or a mount killed under load.
                (kind, done) = ("remove-tree", false);
            }
            (done ? _succeeded : _failed).AddOrUpdate(kind, 1, (_, n) => n + 1);
        }
    }

    private string Full(string relative) => Path.Combine(root, relative);

    private string NewName(string prefix) => $"{prefix}{Interlocked.Increment(ref _names)}";

    private static bool Under(string path, string? directory) =>
        directory is null || path.StartsWith(directory + "/", StringComparison.Ordinal) || path == directory;

    private static string Pick(List<string> names, Random random) => names.Count == 0 ? "missing" : names[random.Next(names.Count)];

    private string AnyFile(Random random)
    {
        lock (_lock)
            return Pick(_files, random);
    }

    /// <summary>A directory for a new name, the root included.</summary>
    private string AnyDirectory(Random random)
    {
        lock (_lock)
            return random.Next(_directories.Count + 1) == 0 ? "" : Pick(_directories, random);
    }

    private string Current(ref string file)
    {
        lock (_lock)
            return file;
    }

    private void Replace(List<string> names, string from, string to)
    {
        lock (_lock)
        {
            names.Remove(from);
            if (to.Length > 0)
                names.Add(to);
            if (from.Length > 0 && to.Length > 0)
                Follow(from, to);
        }
    }

    /// <summary>Under the lock: the large and the sparse file, if at or under <paramref name="from"/>, are now under <paramref name="to"/>.</summary>
    private void Follow(string from, string to)
    {
        _largeFile = Moved(_largeFile, from, to);
        _sparseFile = Moved(_sparseFile, from, to);
    }

    private static string Moved(string path, string from, string to) =>
        path == from ? to : path.StartsWith(from + "/", StringComparison.Ordinal) ? to + path[from.Length..] : path;

    private (string Kind, bool Done) Step(Random random)
    {
        var file = AnyFile(random);
        return random.Next(40) switch
        {
            < 8 => ("write", Write(file, random, append: false)),
            < 11 => ("append", Write(file, random, append: true)),
            < 13 => ("truncate", Truncate(file, random)),
            < 15 => ("chmod", LibC.FChmodAt(LibCConstants.AtFdCwd, Full(file), (uint)random.Next(0x1000), 0) == 0),
            15 => ("chown", LibC.FChownAt(LibCConstants.AtFdCwd, Full(file), (uint)(1000 + random.Next(3)), (uint)(1000 + random.Next(3)), 0) == 0),
            16 => ("setxattr", LibC.SetXattr(Full(file), "user.tag", Encoding.UTF8.GetBytes($"changed {random.Next(1000)}"), 0) == 0),
            17 => ("removexattr", LibC.RemoveXattr(Full(file), "user.tag") == 0),
            18 => ("utimens", SetTimes(file, random)),
            < 22 => ("rename-file", RenameFile(file, random)),
            22 => ("rename-directory", RenameDirectory(random)),
            < 25 => ("unlink", Unlink(file)),
            25 => ("rmdir", RemoveDirectory(random, wholeTree: false)),
            26 => ("remove-tree", RemoveDirectory(random, wholeTree: true)),
            27 => ("link", Link(file, random)),
            < 30 => ("write-large-file", WriteAt(Current(ref _largeFile), random.NextInt64(tree.LargeFileBytes), Bytes(random, 64 * 1024))),
            30 => ("fill-hole", WriteAt(Current(ref _sparseFile), (2 << 20) + random.Next(1 << 20), Bytes(random, 1 + random.Next(8192)))),
            31 => ("punch-hole", PunchHole(file, random)),
            < 35 => ("create", WriteAt(Path.Combine(AnyDirectory(random), NewName("new-")), 0, Bytes(random, random.Next(10_000)), created: true)),
            35 => ("mkdir", MakeDirectory(random)),
            36 => ("symlink", LibC.SymlinkAt(file, LibCConstants.AtFdCwd, Full(Path.Combine(AnyDirectory(random), NewName("symlink-")))) == 0),
            _ => ("fsync", Fsync(file)),
        };
    }

    private static byte[] Bytes(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    /// <summary>open(2) with O_CLOEXEC (no other test's daemon may inherit it) and O_NONBLOCK (never wait on a FIFO).</summary>
    private int Open(string file, int flags) => LibC.Open(Full(file), flags | LibCConstants.OCloExec | LibCConstants.ONonBlock, 0x1A4);

    private bool Write(string file, Random random, bool append)
    {
        var fd = Open(file, LibCConstants.OWrOnly | (append ? LibCConstants.OAppend : 0));
        if (fd < 0)
            return false;
        try
        {
            var size = LibC.LSeek(fd, 0, LibCConstants.SeekEnd);
            var data = Bytes(random, 1 + random.Next(16 * 1024));
            var offset = append || size <= 0 ? 0 : random.NextInt64(size);
            return LibC.PWrite(fd, data, offset) == data.Length;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private bool WriteAt(string file, long offset, byte[] data, bool created = false)
    {
        var fd = Open(file, LibCConstants.OWrOnly | (created ? LibCConstants.OCreat | LibCConstants.OExcl : 0));
        if (fd < 0)
            return false;
        var written = LibC.PWrite(fd, data, offset) == data.Length;
        LibC.Close(fd);
        if (written && created)
            Replace(_files, "", file);
        return written;
    }

    private bool Truncate(string file, Random random)
    {
        var fd = Open(file, LibCConstants.OWrOnly);
        if (fd < 0)
            return false;
        var size = Math.Max(1, LibC.LSeek(fd, 0, LibCConstants.SeekEnd));
        var truncated = LibC.FTruncate(fd, random.NextInt64(2 * size)) == 0;
        LibC.Close(fd);
        return truncated;
    }

    private bool PunchHole(string file, Random random)
    {
        var fd = Open(file, LibCConstants.OWrOnly);
        if (fd < 0)
            return false;
        var punched = LibC.FAllocate(fd, LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, random.Next(16) * 4096, (1 + random.Next(4)) * 4096) == 0;
        LibC.Close(fd);
        return punched;
    }

    private bool Fsync(string file)
    {
        var fd = Open(file, LibCConstants.OWrOnly);
        if (fd < 0)
            return false;
        var synced = LibC.FSync(fd) == 0;
        LibC.Close(fd);
        return synced;
    }

    private unsafe bool SetTimes(string file, Random random)
    {
        var times = stackalloc TimeSpec[2];
        times[0].Nanoseconds = LibCConstants.UtimeOmit;
        times[1].Seconds = 1_000_000_000 + random.Next(500_000_000);
        times[1].Nanoseconds = random.Next(1_000_000_000);
        return LibC.UtimensAt(LibCConstants.AtFdCwd, Full(file), times, 0) == 0;
    }

    /// <summary>To a new name in the same directory or in another one.</summary>
    private bool RenameFile(string file, Random random)
    {
        var directory = random.Next(2) == 0 ? Path.GetDirectoryName(file)! : AnyDirectory(random);
        var to = Path.Combine(directory, NewName("moved-"));
        if (LibC.RenameAt2(LibCConstants.AtFdCwd, Full(file), LibCConstants.AtFdCwd, Full(to), 0) != 0)
            return false;
        Replace(_files, file, to);
        return true;
    }

    /// <summary>A directory, with all it holds, into another directory (one inside itself fails with EINVAL).</summary>
    private bool RenameDirectory(Random random)
    {
        var directory = AnyDirectory(random);
        if (directory.Length == 0)
            return false;
        var to = Path.Combine(AnyDirectory(random), NewName("moved-dir-"));
        if (LibC.RenameAt2(LibCConstants.AtFdCwd, Full(directory), LibCConstants.AtFdCwd, Full(to), 0) != 0)
            return false;
        lock (_lock)
        {
            for (var i = 0; i < _directories.Count; i++)
                _directories[i] = Moved(_directories[i], directory, to);
            for (var i = 0; i < _files.Count; i++)
                _files[i] = Moved(_files[i], directory, to);
            Follow(directory, to);
        }
        return true;
    }

    private bool Unlink(string file)
    {
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, Full(file), 0) != 0)
            return false;
        Replace(_files, file, "");
        return true;
    }

    /// <summary>
    /// rmdir (fails unless empty), or a whole subtree as rm -r would remove it: the deepest of
    /// three directories, so that most of the tree stays for the other changes.
    /// </summary>
    private bool RemoveDirectory(Random random, bool wholeTree)
    {
        var directory = wholeTree
            ? new[] { AnyDirectory(random), AnyDirectory(random), AnyDirectory(random) }.MaxBy(d => d.Count(c => c == '/'))!
            : AnyDirectory(random);
        if (directory.Length == 0)
            return false;
        if (wholeTree)
            TreeRemoval.Delete(Full(directory));
        else if (LibC.UnlinkAt(LibCConstants.AtFdCwd, Full(directory), LibCConstants.AtRemoveDir) != 0)
            return false;
        lock (_lock)
        {
            var prefix = directory + "/";
            _directories.RemoveAll(d => d == directory || d.StartsWith(prefix, StringComparison.Ordinal));
            _files.RemoveAll(f => f.StartsWith(prefix, StringComparison.Ordinal));
        }
        return true;
    }

    private bool Link(string file, Random random)
    {
        var link = Path.Combine(AnyDirectory(random), NewName("hardlink-"));
        if (LibC.LinkAt(LibCConstants.AtFdCwd, Full(file), LibCConstants.AtFdCwd, Full(link)) != 0)
            return false;
        Replace(_files, "", link);
        return true;
    }

    private bool MakeDirectory(Random random)
    {
        var directory = Path.Combine(AnyDirectory(random), NewName("new-dir-"));
        if (LibC.MkdirAt(LibCConstants.AtFdCwd, Full(directory), 0x1ED) != 0)
            return false;
        Replace(_directories, "", directory);
        return true;
    }
}
