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
                || (then.IsRegular && !KeepsItsInode(name, then, now, pastLinks, liveLinks)))
            {
                Remove.Add(name);
                Create.Add(name);
                Changes.Add(RollbackChange.Of('M', name));
                continue;
            }
            if (then.IsRegular)
            {
                if (!contentChecked.TryGetValue(then.Inode, out var differs))
                {
                    differs = then.Size != now.Size || !SameBytes(RollbackTree.Full(PastRoot, name), RollbackTree.Full(LiveRoot, name));
                    contentChecked[then.Inode] = differs;
                    if (differs)
                        Rewrite.Add(name);
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

    /// <summary>Whether the live file can keep its inode: once the names not in the past are removed, it has exactly the past file's names.</summary>
    private bool KeepsItsInode(string name, RollbackNode then, RollbackNode now,
        Dictionary<ulong, List<string>> pastLinks, Dictionary<ulong, List<string>> liveLinks)
    {
        var thenNames = pastLinks[then.Inode];
        var nowNames = liveLinks[now.Inode];
        var kept = nowNames.Where(Past.ContainsKey).ToList();
        var removed = nowNames.Count - kept.Count;
        return now.Links - removed == thenNames.Count && kept.Count == thenNames.Count && kept.All(thenNames.Contains)
            && kept.All(other => other == name || (Past[other].IsRegular && Past[other].Inode == then.Inode));
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
