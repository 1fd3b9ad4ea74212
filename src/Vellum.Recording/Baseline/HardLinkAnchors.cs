using Vellum.Native;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Names the journal holds of hard-linked files, as O_PATH descriptors (the kernel keeps
/// each one's path current through renames): where a further name of the same inode is made
/// a link to, instead of a separate file. Guarded by <see cref="BaselineCoverage"/>.
/// </summary>
internal sealed class HardLinkAnchors : IDisposable
{
    /// <summary>Beyond this many names the descriptors would crowd out the mount's own; further names are then recorded as separate files, with a warning.</summary>
    public const int MaxDescriptors = 50_000;

    private readonly Dictionary<ulong, List<int>> _names = [];
    private int _count;

    public bool Full => _count >= MaxDescriptors;

    /// <summary>Keeps <paramref name="fd"/> (taking it over) as a name of <paramref name="inode"/> that the journal holds.</summary>
    public void Add(ulong inode, int fd)
    {
        if (fd < 0)
            return;
        if (Full)
        {
            LibC.Close(fd);
            return;
        }
        if (!_names.TryGetValue(inode, out var fds))
            _names[inode] = fds = [];
        fds.Add(fd);
        _count++;
    }

    /// <summary>A current path of a name of <paramref name="inode"/> that the journal holds; false when none is left.</summary>
    public bool TryFind(ulong inode, BackingPaths paths, PathBuffer into)
    {
        if (!_names.TryGetValue(inode, out var fds))
            return false;
        for (var i = 0; i < fds.Count; i++)
        {
            if (paths.FindOwnName(fds[i], into) == PathLookup.Found)
                return true;
            // That name was unlinked: the journal recorded it, so it is no anchor any more.
            LibC.Close(fds[i]);
            fds.RemoveAt(i--);
            _count--;
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var fds in _names.Values)
        {
            foreach (var fd in fds)
                LibC.Close(fd);
        }
        _names.Clear();
        _count = 0;
    }
}
