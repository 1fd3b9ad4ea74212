using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Compares the backing directory with the baseline manifest, metadata only (getdents64 and
/// statx, never file data): what the journal does not describe as it is becomes the
/// <see cref="BaselinePlan"/>. Without a manifest everything is new: the first baseline.
/// A directory whose name is new at its place (created, or moved there while no mount ran)
/// is new with everything beneath it, whatever the manifest says of its inode elsewhere.
/// </summary>
internal sealed class BaselineCheck
{
    private readonly BaselineManifest? _manifest;
    private readonly BaselinePlan _plan = new();
    private readonly HardLinkAnchors _anchors;
    private readonly bool _noteFound;

    /// <summary>How many levels from the root have their directories checked side by side.</summary>
    private const int ParallelLevels = 2;

    private BaselineCheck(BaselineManifest? manifest, HardLinkAnchors anchors)
    {
        _manifest = manifest;
        _anchors = anchors;
        _noteFound = manifest?.Complete == true;
    }

    /// <summary>
    /// The plan for the backing directory open as <paramref name="rootFd"/>; names of
    /// hard-linked files the journal holds go to <paramref name="anchors"/>. Without a
    /// manifest the root is always listed, an empty one too: its ATTRS give a replica's root
    /// the source root's mode and owner, which it otherwise never learns.
    /// </summary>
    public static BaselinePlan Run(int rootFd, BaselineManifest? manifest, HardLinkAnchors anchors)
    {
        var check = new BaselineCheck(manifest, anchors);
        if (BackingInspection.Stat(rootFd, out var root) != Errno.Success)
            throw new IOException("cannot read the backing directory's root");
        check.Visit(rootFd, in root, manifest?.Root, newPlace: false, "", 0);
        return check._plan;
    }

    /// <summary>
    /// A manifest describing the backing directory as it is, every node recorded: written at a
    /// clean unmount, when the journal describes the whole directory.
    /// </summary>
    public static BaselineManifest Describe(int rootFd, Guid journalId, ulong transactionId)
    {
        if (BackingInspection.Stat(rootFd, out var root) != Errno.Success)
            throw new IOException("cannot read the backing directory's root");
        var manifest = new BaselineManifest(journalId)
        {
            Complete = true,
            TransactionId = transactionId,
            Device = root.Dev,
            Root = ManifestEntry.Of(in root, ManifestFlags.Listed),
        };
        DescribeDirectory(rootFd, root.Ino, manifest, []);
        return manifest;
    }

    private static void DescribeDirectory(int directoryFd, ulong inode, BaselineManifest manifest, List<ListedName> names)
    {
        if (DirectoryListing.Read(directoryFd, names) != Errno.Success)
            return;
        var children = new Dictionary<string, ManifestEntry>(names.Count);
        var subdirectories = new List<string>();
        foreach (var name in names)
        {
            children[name.Key] = ManifestEntry.Of(name.Stat, name.IsDirectory ? ManifestFlags.Listed : ManifestFlags.Content);
            if (name.IsDirectory)
                subdirectories.Add(name.Key);
        }
        manifest.SetChildren(inode, children);
        foreach (var subdirectory in subdirectories)
        {
            var fd = DirectoryListing.OpenChild(directoryFd, subdirectory);
            if (fd < 0)
                continue;
            try
            {
                DescribeDirectory(fd, children[subdirectory].Inode, manifest, names);
            }
            finally
            {
                LibC.Close(fd);
            }
        }
    }

    /// <summary>
    /// Checks one directory and everything beneath it; true when anything there is to be
    /// recorded. The directories of the top <see cref="ParallelLevels"/> levels are checked side
    /// by side (one per core): a walk of metadata waits on the disk and the kernel's locks, not
    /// on one core. What a directory's check finds goes into the plan under one lock.
    /// </summary>
    private bool Visit(int directoryFd, in NodeStat directory, ManifestEntry? recorded, bool newPlace, string path, int level)
    {
        Dictionary<string, ManifestEntry>? recordedNames = null;
        var listed = !newPlace && recorded is { } entry && entry.SameNode(in directory) && entry.Flags.HasFlag(ManifestFlags.Listed)
            && _manifest!.TryGetChildren(directory.Ino, out recordedNames);
        var names = new List<ListedName>();
        if (DirectoryListing.Read(directoryFd, names) != Errno.Success)
            return false;
        var listing = !listed || !recorded!.Value.Describes(in directory);
        var notes = new List<(char Kind, string Name)>();
        if (listed)
        {
            var present = new HashSet<string>(names.Count);
            foreach (var name in names)
                present.Add(name.Key);
            foreach (var (key, _) in recordedNames!)
            {
                if (!present.Contains(key))
                {
                    listing = true;
                    notes.Add(('-', key));
                }
            }
        }
        var dirty = false;
        var contents = new List<ListedName>();
        var anchors = new List<(ulong Inode, string Name)>();
        var subdirectories = new List<(ListedName Name, ManifestEntry? Was, bool Same)>();
        foreach (var name in names)
        {
            ManifestEntry? was = listed && recordedNames!.TryGetValue(name.Key, out var found) ? found : null;
            var same = was is { } previous && previous.SameNode(name.Stat);
            if (!same)
            {
                listing = true;
                notes.Add(('+', name.Key));
            }
            if (name.IsDirectory)
            {
                subdirectories.Add((name, was, same));
                continue;
            }
            // A name the journal holds for this very node, changed or not, is where a further
            // name of a hard-linked file is linked to.
            if (same && name.Stat.Nlink > 1)
                anchors.Add((name.Stat.Ino, name.Key));
            if (same && was!.Value.Flags.HasFlag(ManifestFlags.Content) && was.Value.Describes(name.Stat))
                continue;
            if (same)
                notes.Add(('~', name.Key));
            dirty = true;
            contents.Add(name);
        }
        lock (_plan)
        {
            _plan.Checked += names.Count;
            foreach (var (kind, name) in notes)
                Note(kind, path, name);
            foreach (var (inode, name) in anchors)
            {
                if (!_anchors.Full)
                    _anchors.Add(inode, DirectoryListing.OpenChild(directoryFd, name));
            }
            foreach (var name in contents)
            {
                if (!_plan.Contents.Add(name.Stat.Ino))
                    continue;
                _plan.Objects++;
                if (name.Type == ManifestEntry.RegularType)
                    _plan.Bytes += DataBytes(name.Stat);
            }
        }
        if (level < ParallelLevels && subdirectories.Count > 1)
        {
            var fd = directoryFd;
            var anyDirty = 0;
            Parallel.ForEach(subdirectories, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, subdirectory =>
            {
                if (VisitSubdirectory(fd, subdirectory.Name, subdirectory.Was, subdirectory.Same, path, level))
                    Interlocked.Exchange(ref anyDirty, 1);
            });
            dirty |= anyDirty != 0;
        }
        else
        {
            foreach (var (name, was, same) in subdirectories)
                dirty |= VisitSubdirectory(directoryFd, name, was, same, path, level);
        }
        lock (_plan)
        {
            if (listing)
            {
                _plan.Listings.Add(directory.Ino);
                _plan.RecordedNames[directory.Ino] = listed ? recordedNames! : [];
                _plan.Objects++;
                dirty = true;
            }
            if (dirty)
                _plan.Dirty.Add(directory.Ino);
        }
        return dirty;
    }

    private bool VisitSubdirectory(int directoryFd, in ListedName name, ManifestEntry? was, bool same, string path, int level)
    {
        var fd = DirectoryListing.OpenChild(directoryFd, name.Key);
        if (fd < 0)
            return false;
        try
        {
            return Visit(fd, name.Stat, same ? was : null, newPlace: !same, Join(path, name.Key), level + 1);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private void Note(char kind, string directory, string name)
    {
        if (_noteFound)
            _plan.Found.Note(kind, Join(directory, name));
    }

    /// <summary>The bytes of data a file holds: its size, less its holes (a sparse file's data is what its blocks hold).</summary>
    public static long DataBytes(in NodeStat stat) => (long)Math.Min(stat.Size, stat.Blocks * 512);

    private static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;
}
