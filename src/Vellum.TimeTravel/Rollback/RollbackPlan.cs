using System.Buffers;
using System.Collections.Concurrent;
using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// The least a live tree must change to become a past one: which names go (D), which are made
/// (A, and M where a name's type, symlink target, device or hard links differ: it is removed
/// and made again), which files keep their inode and get their bytes back (M), and which only
/// their attributes (m). Sizes are compared first, then bytes. A hard-linked file keeps its
/// inode only when, once the names to remove are gone, it has exactly the names it had.
/// Renames are not followed: a renamed file is removed under its new name and made again
/// under its old one. Compared again after the rollback (<see cref="CompareAgain"/>), a name
/// whose ctime has not moved since the rollback saw or made it the past's is taken as it was
/// then, without reading its bytes or xattrs again.
/// </summary>
internal sealed class RollbackPlan
{
    private const int CompareBuffer = 1 << 18;

    private readonly IReadOnlyDictionary<string, RollbackCtime>? _settledBefore;

    private RollbackPlan(string pastRoot, string liveRoot, SortedDictionary<string, RollbackNode> past, SortedDictionary<string, RollbackNode> live,
        IReadOnlyDictionary<string, RollbackCtime>? settledBefore)
    {
        PastRoot = pastRoot;
        LiveRoot = liveRoot;
        Past = past;
        Live = live;
        _settledBefore = settledBefore;
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

    /// <summary>Live files renamed back to their name at the moment (From → To) rather than removed and made again: each To is listed A and each From D all the same. XattrsKept: the journal shows no xattr changed since the moment.</summary>
    public List<(string From, string To, bool XattrsKept)> Renames { get; } = [];

    /// <summary>Past names whose content, type or attributes differ (A, M, m): the attributes the applier sets, with those of the directories around what it makes or removes.</summary>
    public HashSet<string> Differing { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Live names whose bytes and xattrs were seen to be the past's, with the ctime they had
    /// then (the applier adds what it sets): the comparison after the rollback reads neither
    /// again where the ctime has not moved, since any change to them would have moved it.
    /// </summary>
    public ConcurrentDictionary<string, RollbackCtime> Settled { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Changes.Count == 0;

    /// <summary>The past tree (xattrs and all) against the live one (each live name's xattrs read only where there is a past name to compare them with).</summary>
    public static RollbackPlan Compute(string pastRoot, string liveRoot)
    {
        var plan = new RollbackPlan(pastRoot, liveRoot, RollbackTree.Scan(pastRoot, readXattrs: true), RollbackTree.Scan(liveRoot, readXattrs: false), null);
        plan.Compare();
        return plan;
    }

    /// <summary>
    /// Turns a removal and a making into a rename back wherever <paramref name="origins"/> says
    /// a live name to remove holds the file a past name to make had at the moment: both a
    /// single-linked regular file, nothing in the way at the past name, and nothing around the
    /// live one removed before the renames (they come after the past directories are made).
    /// </summary>
    public void RenameBack(RollbackOrigins origins)
    {
        var pastLinks = Links(Past);
        foreach (var (from, to) in origins.PastNames.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!Remove.Contains(from) || !Create.Contains(to) || Remove.Contains(to) || Live[from] is not { IsRegular: true, Links: 1 }
                || Past[to] is not { IsRegular: true } then || pastLinks[then.Inode].Count != 1 || Ancestors(from).Any(Remove.Contains))
                continue;
            Remove.Remove(from);
            Create.Remove(to);
            Renames.Add((from, to, !origins.XattrsChanged.Contains(to)));
        }
    }

    private static IEnumerable<string> Ancestors(string name)
    {
        for (var slash = name.LastIndexOf('/'); slash > 0; slash = name.LastIndexOf('/', slash - 1))
            yield return name[..slash];
    }

    /// <summary>The same past against the live tree as it is now, after this plan was applied: what differs again was changed by someone else meanwhile.</summary>
    public RollbackPlan CompareAgain()
    {
        var again = new RollbackPlan(PastRoot, LiveRoot, Past, RollbackTree.Scan(LiveRoot, readXattrs: false), Settled);
        again.Compare();
        return again;
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
                Differ('A', name);
                continue;
            }
            if (then.Type != now.Type || (then.IsSymlink && then.LinkTarget != now.LinkTarget)
                || (!then.IsRegular && !then.IsDirectory && !then.IsSymlink && then.Device != now.Device)
                || (then.IsRegular && !HasItsPastNames(name, then, now, pastLinks, liveLinks)))
            {
                Replace(name);
                continue;
            }
            var unchanged = _settledBefore is not null && _settledBefore.TryGetValue(name, out var ctime) && ctime == now.Ctime;
            if (then.IsRegular)
            {
                if (!contentChecked.TryGetValue(then.Inode, out var differs))
                {
                    differs = then.Size != now.Size || (!unchanged && !SameBytes(RollbackTree.Full(PastRoot, name), RollbackTree.Full(LiveRoot, name)));
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
                    Differ('M', name);
                    continue;
                }
            }
            var sameXattrs = unchanged || then.SameXattrs(Live[name] = now = RollbackTree.WithXattrs(now, RollbackTree.Full(LiveRoot, name), name.Length == 0));
            if (then.Permissions != now.Permissions || then.Uid != now.Uid || then.Gid != now.Gid || !then.SameMtime(now) || !sameXattrs)
                Differ('m', name);
            else
                Settled[name] = now.Ctime;
        }
        foreach (var name in Live.Keys.Where(name => !Past.ContainsKey(name)))
        {
            Remove.Add(name);
            Changes.Add(RollbackChange.Of('D', name));
        }
        foreach (var name in Create.Concat(Remove))
        {
            // A directory's times move when a name is made or removed in it: they are set again last.
            if (name.Length > 0 && Past.ContainsKey(Parent(name)))
                Differing.Add(Parent(name));
        }
        Changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
    }

    private static string Parent(string name) => name.LastIndexOf('/') is var slash and >= 0 ? name[..slash] : "";

    private void Differ(char code, string name)
    {
        Differing.Add(name);
        Changes.Add(RollbackChange.Of(code, name));
    }

    /// <summary>Removed and made again: another type, other names, or bytes shared with a name left alone.</summary>
    private void Replace(string name)
    {
        Remove.Add(name);
        Create.Add(name);
        Differ('M', name);
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

    internal static bool SameBytes(string pastPath, string livePath)
    {
        using var past = File.OpenHandle(pastPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
        using var live = OpenNoFollow(livePath);
        return SameBytes(past, live);
    }

    internal static bool SameBytes(Microsoft.Win32.SafeHandles.SafeFileHandle past, Microsoft.Win32.SafeHandles.SafeFileHandle live)
    {
        var a = ArrayPool<byte>.Shared.Rent(CompareBuffer);
        var b = ArrayPool<byte>.Shared.Rent(CompareBuffer);
        try
        {
            long offset = 0;
            while (true)
            {
                var read = ReadFully(past, a.AsSpan(0, CompareBuffer), offset);
                var readLive = ReadFully(live, b.AsSpan(0, CompareBuffer), offset);
                if (read != readLive || !a.AsSpan(0, read).SequenceEqual(b.AsSpan(0, read)))
                    return false;
                if (read < CompareBuffer)
                    return true;
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<byte>.Shared.Return(b);
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
