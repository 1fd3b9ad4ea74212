using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// The least a live tree must change to become a past one: which names go (D), which are made
/// (A, and M where a name's type, symlink target, device or hard links differ: it is removed
/// and made again), which files keep their inode and get their bytes back (M), and which only
/// their attributes (m). Sizes are compared first, then bytes. A hard-linked file keeps its
/// inode only when, once the names to remove are gone, it has exactly the names it had.
/// Renames are not followed: a renamed file is removed under its new name and made again
/// under its old one.
/// </summary>
internal sealed class RollbackPlan
{
    private RollbackPlan(string pastRoot, string liveRoot, SortedDictionary<string, RollbackNode> past, SortedDictionary<string, RollbackNode> live)
    {
        PastRoot = pastRoot;
        LiveRoot = liveRoot;
        Past = past;
        Live = live;
    }

    public string PastRoot { get; }

    public string LiveRoot { get; }

    public SortedDictionary<string, RollbackNode> Past { get; }

    public SortedDictionary<string, RollbackNode> Live { get; }

    public List<RollbackChange> Changes { get; } = [];

    /// <summary>Live names to remove (with what is below them).</summary>
    public HashSet<string> Remove { get; } = new(StringComparer.Ordinal);

    /// <summary>Past names to make (after their removal where one is in the way).</summary>
    public SortedSet<string> Create { get; } = new(StringComparer.Ordinal);

    /// <summary>Past regular files whose live inode is kept and whose bytes are written again (one name of each inode).</summary>
    public List<string> Rewrite { get; } = [];

    public bool IsEmpty => Changes.Count == 0;

    public static RollbackPlan Compute(string pastRoot, string liveRoot)
    {
        var plan = new RollbackPlan(pastRoot, liveRoot, RollbackTree.Scan(pastRoot), RollbackTree.Scan(liveRoot));
        plan.Compare();
        return plan;
    }

    private void Compare()
    {
        var pastLinks = Links(Past);
        var liveLinks = Links(Live);
        var contentChecked = new Dictionary<ulong, bool>();
        foreach (var (name, then) in Past)
        {
            if (!Live.TryGetValue(name, out var now))
            {
                Create.Add(name);
                Changes.Add(RollbackChange.Of('A', name));
                continue;
            }
            if (then.Type != now.Type || (then.IsSymlink && then.LinkTarget != now.LinkTarget)
                || (!then.IsRegular && !then.IsDirectory && !then.IsSymlink && then.Device != now.Device)
                || (then.IsRegular && !HasItsPastNames(name, then, now, pastLinks, liveLinks)))
            {
                Replace(name);
                continue;
            }
            if (then.IsRegular)
            {
                if (!contentChecked.TryGetValue(then.Inode, out var differs))
                {
                    differs = then.Size != now.Size || !SameBytes(RollbackTree.Full(PastRoot, name), RollbackTree.Full(LiveRoot, name));
                    contentChecked[then.Inode] = differs;
                    if (differs && HasNoOtherNames(then, now, pastLinks, liveLinks))
                        Rewrite.Add(name);
                }
                if (differs && !HasNoOtherNames(then, now, pastLinks, liveLinks))
                {
                    // Rewritten in place, it would change the bytes of a name the rollback leaves alone.
                    Replace(name);
                    continue;
                }
                if (differs)
                {
                    Changes.Add(RollbackChange.Of('M', name));
                    continue;
                }
            }
            if (then.Permissions != now.Permissions || then.Uid != now.Uid || then.Gid != now.Gid || !then.SameMtime(now) || !then.SameXattrs(now))
                Changes.Add(RollbackChange.Of('m', name));
        }
        foreach (var name in Live.Keys.Where(name => !Past.ContainsKey(name)))
        {
            Remove.Add(name);
            Changes.Add(RollbackChange.Of('D', name));
        }
        Changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
    }

    /// <summary>Removed and made again: another type, other names, or bytes shared with a name left alone.</summary>
    private void Replace(string name)
    {
        Remove.Add(name);
        Create.Add(name);
        Changes.Add(RollbackChange.Of('M', name));
    }

    /// <summary>
    /// Whether, once the names not in the past are removed, the live file has exactly the past
    /// file's names in the tree (names outside it, a hard link from elsewhere, are not counted:
    /// a file with its past bytes keeps its inode and those links).
    /// </summary>
    private bool HasItsPastNames(string name, RollbackNode then, RollbackNode now,
        Dictionary<ulong, List<string>> pastLinks, Dictionary<ulong, List<string>> liveLinks)
    {
        var thenNames = pastLinks[then.Inode];
        var kept = liveLinks[now.Inode].Where(Past.ContainsKey).ToList();
        return kept.Count == thenNames.Count && kept.All(thenNames.Contains)
            && kept.All(other => other == name || (Past[other].IsRegular && Past[other].Inode == then.Inode));
    }

    /// <summary>Whether the live file has no name but its past ones once the new names are removed: only then may its bytes change in place.</summary>
    private bool HasNoOtherNames(RollbackNode then, RollbackNode now,
        Dictionary<ulong, List<string>> pastLinks, Dictionary<ulong, List<string>> liveLinks)
    {
        var nowNames = liveLinks[now.Inode];
        var removed = nowNames.Count(other => !Past.ContainsKey(other));
        return now.Links - removed == pastLinks[then.Inode].Count;
    }

    private static Dictionary<ulong, List<string>> Links(SortedDictionary<string, RollbackNode> tree)
    {
        var links = new Dictionary<ulong, List<string>>();
        foreach (var (name, node) in tree.Where(pair => pair.Value.IsRegular))
        {
            if (!links.TryGetValue(node.Inode, out var names))
                links[node.Inode] = names = [];
            names.Add(name);
        }
        return links;
    }

    private static bool SameBytes(string pastPath, string livePath)
    {
        using var past = File.OpenHandle(pastPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
        using var live = OpenNoFollow(livePath);
        var a = new byte[1 << 18];
        var b = new byte[1 << 18];
        long offset = 0;
        while (true)
        {
            var read = ReadFully(past, a, offset);
            var readLive = ReadFully(live, b, offset);
            if (read != readLive || !a.AsSpan(0, read).SequenceEqual(b.AsSpan(0, read)))
                return false;
            if (read < a.Length)
                return true;
            offset += read;
        }
    }

    private static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle file, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(file, buffer[total..], offset + total);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    /// <summary>Opens a live file for reading without following a symlink put in its place meanwhile.</summary>
    internal static Microsoft.Win32.SafeHandles.SafeFileHandle OpenNoFollow(string path)
    {
        var fd = LibC.Open(path, LibCConstants.ORdOnly | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0)
            throw new IOException($"cannot read {path}: {LibC.LastError().Text}");
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }
}
