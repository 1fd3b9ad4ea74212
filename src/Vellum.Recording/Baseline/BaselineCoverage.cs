using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Which objects of the backing directory the journal describes (they are covered), and the
/// recording of those it does not (docs/journal-format.md 3.5). Two callers cover objects:
/// the baseline's own thread, walking the tree, and every change, which first covers what it
/// touches. Both hold the recorder's namespace lock (so no path moves meanwhile) and, per
/// object, one of <see cref="StripeCount"/> locks by inode (so an object is recorded once,
/// and no change to it is in flight while it is read: a change in flight has covered it).
/// </summary>
internal sealed partial class BaselineCoverage : IDisposable
{
    private const int StripeCount = 64;

    private readonly object _sets = new();
    private readonly object[] _stripes;
    private readonly BaselinePlan _plan;
    private readonly BaselineManifest _manifest;
    private readonly HardLinkAnchors _anchors;
    private readonly BackingPaths _paths;
    private readonly int _rootFd;
    private readonly ulong _rootInode;
    private readonly BaselineFlags _found;
    private volatile bool _complete;

    public BaselineCoverage(BaselinePlan plan, BaselineManifest manifest, HardLinkAnchors anchors, BackingPaths paths, int rootFd, bool found, BaselineProgress progress)
    {
        _plan = plan;
        _manifest = manifest;
        _anchors = anchors;
        _paths = paths;
        _rootFd = rootFd;
        _found = found ? BaselineFlags.Found : BaselineFlags.None;
        Progress = progress;
        _stripes = new object[StripeCount];
        for (var i = 0; i < StripeCount; i++)
            _stripes[i] = new object();
        _rootInode = BackingInspection.Stat(rootFd, out var root) == Errno.Success ? root.Ino : 0;
        _complete = plan.Empty;
    }

    public BaselineProgress Progress { get; }

    /// <summary>Every object is covered: changes need nothing first.</summary>
    public bool Complete => _complete;

    /// <summary>
    /// Covers what <paramref name="change"/> touches, writing the transactions with
    /// <paramref name="writer"/> (which has none open) before the change's own. The caller holds
    /// the namespace lock; a rename holds it exclusively, so covering a moved directory's
    /// subtree cannot race with the baseline's thread.
    /// </summary>
    public void BeforeChange(in Change change, TransactionWriter writer)
    {
        if (_complete)
            return;
        switch (change.Kind)
        {
            case ChangeKind.Create or ChangeKind.Mkdir or ChangeKind.Mknod or ChangeKind.Symlink or ChangeKind.Unlink or ChangeKind.Rmdir:
                EnsureListed(change.ParentFd, writer);
                break;
            case ChangeKind.Link:
                EnsureListed(change.ParentFd, writer);
                EnsureContent(change.NodeFd, writer);
                break;
            case ChangeKind.Rename:
                EnsureListed(change.ParentFd, writer);
                EnsureListed(change.NewParentFd, writer);
                CoverMoved(change.ParentFd, change.Name, writer);
                if ((change.Flags & (int)RenameFlags.Exchange) != 0)
                    CoverMoved(change.NewParentFd, change.NewName, writer);
                break;
            case ChangeKind.Write or ChangeKind.Truncate or ChangeKind.SetAttr or ChangeKind.SetXattr or ChangeKind.RemoveXattr
                or ChangeKind.Fallocate or ChangeKind.CopyFileRange:
                EnsureContent(change.NodeFd, writer);
                break;
        }
    }

    /// <summary>A node the mount just created is described by its own transaction; an inode number reused from a node the plan still lists must not be taken for it.</summary>
    public void Created(ulong inode)
    {
        if (_complete)
            return;
        lock (_sets)
        {
            _plan.Listings.Remove(inode);
            _plan.RecordedNames.Remove(inode);
            _plan.Contents.Remove(inode);
            _plan.Dirty.Remove(inode);
        }
    }

    public bool IsDirty(ulong inode)
    {
        lock (_sets)
            return _plan.Dirty.Contains(inode);
    }

    public bool IsContentPending(ulong inode)
    {
        lock (_sets)
            return _plan.Contents.Contains(inode);
    }

    private bool IsListingPending(ulong inode)
    {
        lock (_sets)
            return _plan.Listings.Contains(inode);
    }

    /// <summary>Everything beneath directory <paramref name="inode"/> was walked: nothing there is left to cover.</summary>
    public void Walked(ulong inode)
    {
        lock (_sets)
            _plan.Dirty.Remove(inode);
    }

    /// <summary>The baseline's thread walked the whole tree: from now on, changes need nothing first.</summary>
    public void MarkComplete()
    {
        _complete = true;
        lock (_sets)
            _manifest.Complete = true;
    }

    /// <summary>The manifest's bytes as of now, describing transactions up to <paramref name="transactionId"/>.</summary>
    public byte[] ManifestBytes(ulong transactionId)
    {
        lock (_sets)
        {
            _manifest.TransactionId = transactionId;
            return _manifest.Format();
        }
    }

    /// <summary>
    /// Makes directory <paramref name="directoryFd"/>'s names all exist in the journal, listing
    /// first each directory above it that is not listed yet (its own name must exist first).
    /// </summary>
    public void EnsureListed(int directoryFd, TransactionWriter writer)
    {
        if (directoryFd < 0 || BackingInspection.Stat(directoryFd, out var directory) != Errno.Success || !IsListingPending(directory.Ino))
            return;
        var chain = new List<(int Fd, ulong Inode)> { (directoryFd, directory.Ino) };
        try
        {
            var current = directoryFd;
            var inode = directory.Ino;
            while (inode != _rootInode)
            {
                var parent = DirectoryListing.OpenParent(current);
                if (parent < 0)
                    break;
                if (BackingInspection.Stat(parent, out var above) != Errno.Success || !IsListingPending(above.Ino))
                {
                    LibC.Close(parent);
                    break;
                }
                chain.Add((parent, above.Ino));
                current = parent;
                inode = above.Ino;
            }
            for (var i = chain.Count - 1; i >= 0; i--)
                ListDirectory(chain[i].Fd, chain[i].Inode, writer);
        }
        finally
        {
            for (var i = 1; i < chain.Count; i++)
                LibC.Close(chain[i].Fd);
        }
    }

    /// <summary>Covers the node behind <paramref name="nodeFd"/>: a directory's names, or a file's content (its name first).</summary>
    public void EnsureContent(int nodeFd, TransactionWriter writer)
    {
        if (nodeFd < 0 || BackingInspection.Stat(nodeFd, out var node) != Errno.Success)
            return;
        if (node.IsDirectory)
        {
            EnsureListed(nodeFd, writer);
            return;
        }
        if (!IsContentPending(node.Ino))
            return;
        var path = new PathBuffer();
        if (_paths.FindOwnName(nodeFd, path) != PathLookup.Found)
            return;
        var parent = OpenDirectoryOf(path.Path);
        if (parent >= 0)
        {
            try
            {
                EnsureListed(parent, writer);
            }
            finally
            {
                LibC.Close(parent);
            }
        }
        CoverContent(nodeFd, node.Ino, writer, null);
    }

    /// <summary>
    /// Covers a directory and everything beneath it that is not covered: before a rename moves
    /// it somewhere the baseline's walk may already have passed.
    /// </summary>
    public void EnsureSubtree(int directoryFd, TransactionWriter writer)
    {
        if (BackingInspection.Stat(directoryFd, out var directory) != Errno.Success || !IsDirty(directory.Ino))
            return;
        EnsureListed(directoryFd, writer);
        var names = new List<ListedName>();
        if (DirectoryListing.Read(directoryFd, names) != Errno.Success)
            return;
        foreach (var name in names)
        {
            if (name.IsDirectory ? !IsDirty(name.Stat.Ino) : !IsContentPending(name.Stat.Ino))
                continue;
            var child = DirectoryListing.OpenChild(directoryFd, name.Key);
            if (child < 0)
                continue;
            try
            {
                if (name.IsDirectory)
                    EnsureSubtree(child, writer);
                else
                    CoverContent(child, name.Stat.Ino, writer, null);
            }
            finally
            {
                LibC.Close(child);
            }
        }
        Walked(directory.Ino);
    }

    private void CoverMoved(int parentFd, ReadOnlySpan<byte> name, TransactionWriter writer)
    {
        var moved = DirectoryListing.OpenChild(parentFd, BaselineManifest.KeyOf(name));
        if (moved < 0)
            return;
        try
        {
            if (BackingInspection.Stat(moved, out var node) != Errno.Success)
                return;
            if (node.IsDirectory)
                EnsureSubtree(moved, writer);
            else
                EnsureContent(moved, writer);
        }
        finally
        {
            LibC.Close(moved);
        }
    }

    /// <summary>An O_PATH descriptor of the directory holding the node at journal path <paramref name="path"/>; -1 on failure.</summary>
    private int OpenDirectoryOf(ReadOnlySpan<byte> path)
    {
        var slash = path.LastIndexOf((byte)'/');
        return slash < 0
            ? LibC.OpenDirectoryAt(_rootFd, "."u8, LibCConstants.OPath)
            : LibC.OpenDirectoryAt(_rootFd, path[..slash], LibCConstants.OPath);
    }

    private object Stripe(ulong inode) => _stripes[(int)(inode % StripeCount)];

    public void Dispose() => _anchors.Dispose();
}
