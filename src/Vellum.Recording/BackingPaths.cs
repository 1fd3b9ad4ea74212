using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// Journal paths of backing nodes: the kernel's path of a descriptor, made relative to the
/// backing root. A node whose last name is gone has no path.
/// </summary>
internal sealed class BackingPaths : IDisposable
{
    private const int Unopened = -2;

    private readonly string _rootPath;
    private readonly byte[] _root;
    private int _mountFd = Unopened;

    public BackingPaths(string backingRoot)
    {
        _rootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(backingRoot));
        _root = System.Text.Encoding.UTF8.GetBytes(_rootPath);
    }

    public const int BufferSize = BackingInspection.PathBufferSize;

    private static ReadOnlySpan<byte> DeletedSuffix => " (deleted)"u8;

    /// <summary>The path of <paramref name="fd"/> in <paramref name="buffer"/>; false when it has none under the root.</summary>
    public bool TryRelative(int fd, Span<byte> buffer, out int length, ulong node = 0)
    {
        length = 0;
        if (BackingInspection.PathOf(fd, buffer, out var total) != Errno.Success)
            return false;
        if (buffer[..total].EndsWith(DeletedSuffix) && !TryLiveAlias(fd, node, buffer, ref total))
            return false;
        var path = buffer[..total];
        if (!path.StartsWith(_root))
            return false;
        if (total == _root.Length)
            return true;
        if (path[_root.Length] != (byte)'/')
            return false;
        length = total - _root.Length - 1;
        path[(_root.Length + 1)..].CopyTo(buffer);
        return true;
    }

    /// <summary>
    /// The name a descriptor was opened by is gone. If the inode lives on through another
    /// hard link, asks the kernel for a current name by file handle; false when it has none.
    /// </summary>
    private bool TryLiveAlias(int fd, ulong node, Span<byte> buffer, ref int total)
    {
        if (BackingInspection.Stat(fd, out var stat) != Errno.Success || stat.Nlink == 0 || stat.IsDirectory)
            return false;
        var mountFd = MountFd();
        var alias = mountFd < 0 ? -1 : BackingInspection.ReopenByHandle(fd, mountFd);
        if (alias >= 0)
        {
            try
            {
                if (BackingInspection.PathOf(alias, buffer, out total) == Errno.Success && !buffer[..total].EndsWith(DeletedSuffix))
                    return true;
            }
            finally
            {
                BackingInspection.Close(alias);
            }
        }
        // The kernel may answer with another unlinked name of the inode; the names the
        // passthrough saw it looked up by are checked one by one.
        return node != 0 && Names is { } names && names.TryLiveName(node, buffer, out total);
    }

    /// <summary>Where to ask for a current name when the kernel has none at hand (set once the passthrough exists).</summary>
    public ILiveNames? Names { get; set; }

    private int MountFd()
    {
        if (Volatile.Read(ref _mountFd) == Unopened)
        {
            var fd = BackingInspection.OpenDirectory(_rootPath);
            if (Interlocked.CompareExchange(ref _mountFd, fd, Unopened) != Unopened && fd >= 0)
                BackingInspection.Close(fd);
        }
        return Volatile.Read(ref _mountFd);
    }

    public void Dispose()
    {
        if (_mountFd >= 0)
            BackingInspection.Close(_mountFd);
        _mountFd = Unopened;
    }

    /// <summary>The path of <paramref name="name"/> in the directory <paramref name="directoryFd"/>.</summary>
    public bool TryChild(int directoryFd, ReadOnlySpan<byte> name, Span<byte> buffer, out int length)
    {
        if (!TryRelative(directoryFd, buffer, out length))
            return false;
        if (length != 0)
            buffer[length++] = (byte)'/';
        name.CopyTo(buffer[length..]);
        length += name.Length;
        return true;
    }
}
