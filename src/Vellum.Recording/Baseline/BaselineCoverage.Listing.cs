using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>Listing a directory: every name the journal lacks or holds differently is made, every name gone is removed, then the directory's own attributes.</summary>
internal sealed partial class BaselineCoverage
{
    private void ListDirectory(int directoryFd, ulong inode, TransactionWriter writer)
    {
        lock (Stripe(inode))
        {
            Dictionary<string, ManifestEntry> recorded;
            lock (_sets)
            {
                if (!_plan.Listings.Contains(inode))
                    return;
                recorded = _plan.RecordedNames.GetValueOrDefault(inode) ?? [];
            }
            var path = new PathBuffer();
            if (BackingInspection.Stat(directoryFd, out var directory) != Errno.Success || directory.Ino != inode
                || (inode != _rootInode && _paths.FindOwnName(directoryFd, path) != PathLookup.Found))
                return;
            var names = new List<ListedName>();
            if (DirectoryListing.Read(directoryFd, names) != Errno.Success)
                return;
            var batch = new TransactionBatch(writer);
            var children = new Dictionary<string, ManifestEntry>(names.Count);
            var present = new HashSet<string>(names.Count);
            foreach (var name in names)
                present.Add(name.Key);
            var entryPath = new PathBuffer();
            foreach (var (key, _) in recorded)
            {
                if (present.Contains(key) || !EntryPath(path, key, entryPath))
                    continue;
                batch.Add(new BaselineOperation { Flags = BaselineFlags.Remove | _found, Path = entryPath.Path });
            }
            long completed = 0;
            var anchorPath = new PathBuffer();
            foreach (var name in names)
            {
                if (recorded.TryGetValue(name.Key, out var was) && was.SameNode(name.Stat))
                {
                    children[name.Key] = was;
                    continue;
                }
                if (!EntryPath(path, name.Key, entryPath))
                    continue;
                var replace = recorded.ContainsKey(name.Key) ? BaselineFlags.Remove : BaselineFlags.None;
                var child = DirectoryListing.OpenChild(directoryFd, name.Key);
                try
                {
                    children[name.Key] = MakeName(batch, name, child, entryPath.Path, replace, anchorPath, ref completed);
                }
                finally
                {
                    if (child >= 0)
                        LibC.Close(child);
                }
            }
            batch.Add(new BaselineOperation
            {
                Flags = BaselineFlags.Attrs | _found,
                Path = path.Path,
                Stat = directory,
                Xattrs = NodeXattrs.Read(directoryFd),
            });
            batch.Commit();
            lock (_sets)
            {
                _plan.Listings.Remove(inode);
                _plan.RecordedNames.Remove(inode);
                _manifest.SetChildren(inode, children);
                RecordOwnEntry(directoryFd, path.Path, ManifestEntry.Of(in directory, ManifestFlags.Listed));
            }
            Progress.Recorded(1 + completed, 0);
        }
    }

    /// <summary>One name the journal lacks: its NAME operation, and what the manifest says of it after.</summary>
    private ManifestEntry MakeName(TransactionBatch batch, in ListedName name, int child, ReadOnlySpan<byte> path, BaselineFlags replace, PathBuffer anchorPath, ref long completed)
    {
        var stat = name.Stat;
        var flags = BaselineFlags.Name | replace | _found;
        switch (name.Type)
        {
            case ManifestEntry.DirectoryType:
                batch.Add(new BaselineOperation { Flags = flags | BaselineFlags.Attrs, Path = path, Stat = stat, Xattrs = XattrsOf(child) });
                lock (_sets)
                {
                    if (_plan.Listings.Add(stat.Ino))
                        Progress.ObjectsTotal++;
                    _plan.RecordedNames[stat.Ino] = [];
                    _plan.Dirty.Add(stat.Ino);
                }
                return ManifestEntry.Of(in stat, ManifestFlags.None);
            case ManifestEntry.RegularType when stat.Nlink > 1 && _anchors.TryFind(stat.Ino, _paths, anchorPath):
                batch.Add(new BaselineOperation { Flags = flags, Path = path, Path2 = anchorPath.Path, Stat = stat });
                _anchors.Add(stat.Ino, LibC.Dup(child));
                return ManifestEntry.Of(in stat, IsContentPending(stat.Ino) ? ManifestFlags.None : ManifestFlags.Content);
            case ManifestEntry.RegularType when stat.Size == 0:
                batch.Add(new BaselineOperation { Flags = flags | BaselineFlags.Reset | BaselineFlags.Attrs, Path = path, Stat = stat, Xattrs = XattrsOf(child) });
                if (stat.Nlink > 1)
                    _anchors.Add(stat.Ino, LibC.Dup(child));
                completed += Covered(stat.Ino);
                return ManifestEntry.Of(in stat, ManifestFlags.Content);
            case ManifestEntry.RegularType:
                batch.Add(new BaselineOperation { Flags = flags, Path = path, Stat = stat });
                if (stat.Nlink > 1)
                    _anchors.Add(stat.Ino, LibC.Dup(child));
                lock (_sets)
                {
                    if (_plan.Contents.Add(stat.Ino))
                    {
                        Progress.ObjectsTotal++;
                        Progress.BytesTotal += BaselineCheck.DataBytes(in stat);
                    }
                }
                return ManifestEntry.Of(in stat, ManifestFlags.None);
            default:
                var target = name.Type == 0xA000 ? SymlinkTarget(child) : null;
                batch.Add(new BaselineOperation { Flags = flags | BaselineFlags.Attrs, Path = path, Stat = stat, Target = target, Xattrs = XattrsOf(child) });
                completed += Covered(stat.Ino);
                return ManifestEntry.Of(in stat, ManifestFlags.Content);
        }
    }

    /// <summary>A node recorded whole by its NAME: no content left to record. 1 when the plan had it, for the progress.</summary>
    private long Covered(ulong inode)
    {
        lock (_sets)
            return _plan.Contents.Remove(inode) ? 1 : 0;
    }

    /// <summary>Updates the manifest's entry of the node at <paramref name="path"/> in its directory (the root's own entry for the root).</summary>
    private void RecordOwnEntry(int fd, ReadOnlySpan<byte> path, ManifestEntry entry)
    {
        if (path.IsEmpty)
        {
            _manifest.Root = entry;
            return;
        }
        var slash = path.LastIndexOf((byte)'/');
        var parent = slash < 0 ? _rootInode : DirectoryInode(path[..slash]);
        if (parent != 0)
            _manifest.Update(parent, BaselineManifest.KeyOf(path[(slash + 1)..]), entry);
    }

    private ulong DirectoryInode(ReadOnlySpan<byte> path)
    {
        if (path.Length >= BackingInspection.PathBufferSize)
            return 0;
        Span<byte> native = stackalloc byte[path.Length + 1];
        path.CopyTo(native);
        native[^1] = 0;
        return BackingInspection.StatChild(_rootFd, native, out var stat) == Errno.Success ? stat.Ino : 0;
    }

    private static bool EntryPath(PathBuffer directory, string name, PathBuffer into)
    {
        into.Clear();
        return into.Append(directory.Path) && (directory.Length == 0 || into.Append("/"u8)) && into.Append(BaselineManifest.NameOf(name));
    }

    private static List<(byte[] Name, byte[] Value)>? XattrsOf(int fd) => fd < 0 ? null : NodeXattrs.Read(fd);

    private static byte[]? SymlinkTarget(int fd) => fd < 0 ? null : PriorState.SymlinkTarget(fd, ""u8);
}
