using Microsoft.Win32.SafeHandles;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Journal paths of backing nodes: the kernel's path of a descriptor, made relative to the
/// backing root. A node whose last name is gone has no path. A path the kernel cannot give
/// (longer than PATH_MAX from the filesystem's root) is built from the directories' entries
/// (<c>BackingPaths.Deep.cs</c>), so a journal path has any depth.
/// </summary>
internal sealed partial class BackingPaths : IDisposable
{
    private readonly string _rootPath;
    private readonly byte[] _root;
    private SafeFileHandle? _mountRoot;

    public BackingPaths(string backingRoot)
    {
        _rootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(backingRoot));
        _root = System.Text.Encoding.UTF8.GetBytes(_rootPath);
    }

    private static ReadOnlySpan<byte> DeletedSuffix => " (deleted)"u8;

    /// <summary>Where to ask for a current name of a file the kernel cannot name (set once the passthrough exists).</summary>
    public ILiveNames? Names { get; set; }

    /// <summary>The path of <paramref name="fd"/> (node <paramref name="node"/> of the passthrough, 0 if unknown) into <paramref name="into"/>.</summary>
    public PathLookup Find(int fd, PathBuffer into, ulong node = 0)
    {
        into.Clear();
        var error = BackingInspection.PathOf(fd, into.Bytes, out var total);
        if (error == Errno.ENAMETOOLONG)
            return FindDeep(fd, into, node);
        if (error != Errno.Success)
            return PathLookup.Nameless;
        if (into.Bytes.AsSpan(0, total).EndsWith(DeletedSuffix))
            return FindLiveAlias(fd, node, into);
        return MakeRelative(into, total);
    }

    /// <summary>
    /// The path of the very name <paramref name="fd"/> was opened by, Nameless once that name
    /// is unlinked (no other name of the inode is looked for).
    /// </summary>
    public PathLookup FindOwnName(int fd, PathBuffer into)
    {
        into.Clear();
        var error = BackingInspection.PathOf(fd, into.Bytes, out var total);
        if (error == Errno.ENAMETOOLONG)
            return FindDeep(fd, into, 0);
        if (error != Errno.Success || into.Bytes.AsSpan(0, total).EndsWith(DeletedSuffix))
            return PathLookup.Nameless;
        return MakeRelative(into, total);
    }

    /// <summary>The path of <paramref name="name"/> in the directory <paramref name="directoryFd"/>.</summary>
    public PathLookup FindChild(int directoryFd, ReadOnlySpan<byte> name, PathBuffer into)
    {
        var found = Find(directoryFd, into);
        if (found != PathLookup.Found)
            return found;
        return (into.Length == 0 || into.Append("/"u8)) && into.Append(name) ? PathLookup.Found : PathLookup.TooLong;
    }

    /// <summary>Turns the absolute path in the buffer's first <paramref name="total"/> bytes into one relative to the root.</summary>
    private PathLookup MakeRelative(PathBuffer into, int total)
    {
        var path = into.Bytes.AsSpan(0, total);
        if (!path.StartsWith(_root))
            return PathLookup.Nameless;
        if (total == _root.Length)
        {
            into.Length = 0;
            return PathLookup.Found;
        }
        if (path[_root.Length] != (byte)'/')
            return PathLookup.Nameless;
        path[(_root.Length + 1)..].CopyTo(into.Bytes);
        into.Length = total - _root.Length - 1;
        return PathLookup.Found;
    }

    /// <summary>
    /// The name a descriptor was opened by is gone. If the inode lives on through another
    /// hard link, asks the kernel for a current name by file handle, then the passthrough.
    /// </summary>
    private PathLookup FindLiveAlias(int fd, ulong node, PathBuffer into)
    {
        if (BackingInspection.Stat(fd, out var stat) != Errno.Success || stat.Nlink == 0 || stat.IsDirectory)
            return PathLookup.Nameless;
        int alias;
        using (var mount = LibC.Borrow(MountRoot()))
            alias = mount.Fd < 0 ? -1 : BackingInspection.ReopenByHandle(fd, mount.Fd);
        if (alias >= 0)
        {
            try
            {
                if (BackingInspection.PathOf(alias, into.Bytes, out var total) == Errno.Success && !into.Bytes.AsSpan(0, total).EndsWith(DeletedSuffix))
                    return MakeRelative(into, total);
            }
            finally
            {
                BackingInspection.Close(alias);
            }
        }
        // The kernel may answer with another unlinked name of the inode; the names the
        // passthrough saw it reached by are checked one by one.
        return FromLiveNames(node, into);
    }

    /// <summary>A path through one of the names the passthrough knows the node by, each checked by inode.</summary>
    private PathLookup FromLiveNames(ulong node, PathBuffer into)
    {
        if (node == 0 || Names is not { } names)
            return PathLookup.Nameless;
        var found = PathLookup.Nameless;
        names.TryLiveName(node, (directoryFd, name) =>
        {
            found = FindChild(directoryFd, name, into);
            return found != PathLookup.Nameless;
        });
        return found;
    }

    /// <summary>The backing root opened for reading, on first use (invalid when it cannot be opened).</summary>
    private SafeFileHandle MountRoot()
    {
        if (Volatile.Read(ref _mountRoot) is { } opened)
            return opened;
        var root = new SafeFileHandle(BackingInspection.OpenDirectory(_rootPath), ownsHandle: true);
        if (Interlocked.CompareExchange(ref _mountRoot, root, null) is { } raced)
        {
            root.Dispose();
            return raced;
        }
        return root;
    }

    public void Dispose() => Interlocked.Exchange(ref _mountRoot, null)?.Dispose();
}
