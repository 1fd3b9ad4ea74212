using System.Diagnostics;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// `vellum restore --at`: materialises the tree (or a subtree, or one file) as it was at a
/// resolved moment, by replaying the store's committed transactions in id order up to it into
/// a new or empty directory with the mirror's applier (<see cref="JournalApplier"/>: path
/// safety, hard links, symlinks, devices, xattrs, modes, owners, ns times, holes). The store is
/// opened read-only and nothing is locked or written in it, so a live mount's or a `vellum
/// serve` store is read as it is. With a SUBPATH the whole tree is replayed into a private
/// directory inside the target (nothing is written outside it), the subtree is renamed out of
/// it, and the rest removed: a subtree costs what the whole tree does, until the catalog.
/// </summary>
public static unsafe class TreeRestore
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Restores <paramref name="moment"/> of <paramref name="storeDirectory"/> into <paramref name="directory"/> (created when missing; an existing one must be empty).</summary>
    /// <param name="subPath">A path relative to the tree's root: only it is restored, as DIRECTORY/its last name.</param>
    /// <exception cref="RestoreTargetException">The directory is not new or empty, or cannot be made.</exception>
    /// <exception cref="RestorePathException">The subpath leaves the tree, or named nothing at the moment.</exception>
    /// <exception cref="RestoreDamagedException">Damage stopped the replay; the directory holds the exact state of an earlier transaction.</exception>
    /// <exception cref="MirrorException">A transaction was refused (a hostile path) or could not be applied.</exception>
    public static RestoreSummary Run(string storeDirectory, ResolvedMoment moment, string directory, string? subPath = null,
        Action<RestoreProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var inside = subPath is null ? null : SubPath(subPath);
        var target = PrepareTarget(directory);
        var replayRoot = inside is null ? target : Path.Combine(target, $".vellum-restore-{Environment.ProcessId}");
        if (inside is not null && LibC.MkdirAt(LibCConstants.AtFdCwd, replayRoot, ExactDirectory.Private) != 0)
            throw new RestoreTargetException($"cannot make {replayRoot} to replay into: {LibC.LastError().Text}");
        try
        {
            var (applied, exact, damage) = Replay(storeDirectory, moment, replayRoot, clock, progress, cancellation);
            var result = inside is null ? target : MoveOut(replayRoot, inside, target, moment);
            if (damage is not null)
            {
                var through = exact is { } e ? $"the state after {e}" : "nothing: the damage comes before the first transaction";
                throw new RestoreDamagedException($"the replay stopped before {moment}: the store is damaged at {StoreTimeline.Where(damage)}; {result} holds exactly {through}", exact, damage);
            }
            var (files, bytes) = Count(result);
            return new RestoreSummary(moment, result, subPath, applied, files, bytes, clock.Elapsed);
        }
        finally
        {
            if (inside is not null)
                RemoveScratch(target, replayRoot);
        }
    }

    private static (long Applied, ResolvedMoment? Exact, StoreDamagedException? Damage) Replay(string storeDirectory, ResolvedMoment moment, string root,
        Stopwatch clock, Action<RestoreProgress>? progress, CancellationToken cancellation)
    {
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        using var applier = new JournalApplier(root);
        var reading = new OrderedReading(store);
        long applied = 0, bytes = 0, files = 0;
        ulong through = 0;
        ResolvedMoment? exact = null;
        var shown = TimeSpan.Zero;
        foreach (var (id, committed) in reading.Read(moment.TransactionId, cancellation))
        {
            through = id;
            if (committed is null || committed.Operations.Count == 0)
                continue;
            applier.Apply(committed);
            applied++;
            foreach (var operation in committed.Operations)
            {
                bytes += operation.Redo?.Data?.Length ?? 0;
                if (operation.Kind is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Symlink or SubRecordType.Mknod or SubRecordType.Link
                    || (operation.Kind == SubRecordType.Baseline && operation.Redo?.Flags is { } flags && (flags & (uint)BaselineFlags.Name) != 0))
                    files++;
            }
            exact = new ResolvedMoment(id, committed.Operations[0].Time);
            if (progress is not null && clock.Elapsed - shown >= ProgressInterval)
            {
                shown = clock.Elapsed;
                progress(new RestoreProgress(applied, id, moment.TransactionId, bytes, files, shown));
            }
        }
        cancellation.ThrowIfCancellationRequested();
        progress?.Invoke(new RestoreProgress(applied, through, moment.TransactionId, bytes, files, clock.Elapsed));
        if (through >= moment.TransactionId)
            return (applied, exact, null);
        return (applied, exact, reading.Damage ?? new StoreDamagedException($"the store at {storeDirectory} ends at transaction {through}, before {moment.TransactionId}"));
    }

    /// <summary>The subpath's names, checked as the mirror checks a journal's paths: relative, no '.', '..' or empty name.</summary>
    private static string[] SubPath(string subPath)
    {
        var names = subPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (subPath.StartsWith('/') || names.Length == 0 || names.Any(name => name is "." or ".." || name.Contains('\0', StringComparison.Ordinal)))
            throw new RestorePathException($"--path {subPath} is not a path inside the tree: give it relative to the tree's root, without '.' or '..' (such as docs/report.odt)");
        return names;
    }

    /// <summary>Whether <paramref name="directory"/> can take a restore (new with an existing parent, or empty), before the store is read; returns its full path.</summary>
    /// <exception cref="RestoreTargetException">It cannot.</exception>
    public static string CheckTarget(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
            throw new RestoreTargetException($"{directory} is a file; restore into a new or empty directory");
        if (Directory.Exists(full))
        {
            if (Directory.EnumerateFileSystemEntries(full).Any())
                throw new RestoreTargetException($"{directory} is not empty; restore into a new or empty directory (a restore never mixes the past into what a directory holds)");
            return full;
        }
        var parent = Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent))
            throw new RestoreTargetException($"{directory} cannot be made: its parent {parent} does not exist");
        return full;
    }

    private static string PrepareTarget(string directory)
    {
        var full = CheckTarget(directory);
        if (Directory.Exists(full))
            return full;
        // 0700 until the journal gives the root the source root's mode and owner, as a new replica's.
        if (LibC.MkdirAt(LibCConstants.AtFdCwd, full, ExactDirectory.Private) != 0)
            throw new RestoreTargetException($"{directory} cannot be made: {LibC.LastError().Text}");
        return full;
    }

    /// <summary>
    /// Renames the replayed subtree to TARGET/its last name, keeping its times (a rename
    /// changes a moved directory's ctime only, but its times are set again to be sure). Every
    /// directory on the way must be a real directory at the moment, not a symlink: a rename
    /// through one could reach outside the target.
    /// </summary>
    private static string MoveOut(string replayRoot, string[] names, string target, ResolvedMoment moment)
    {
        var path = replayRoot;
        StatxBuffer stat = default;
        for (var i = 0; i < names.Length; i++)
        {
            path = Path.Combine(path, names[i]);
            if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
                throw new RestorePathException($"--path {string.Join('/', names)}: {string.Join('/', names[..(i + 1)])} did not exist at {moment}");
            if (i < names.Length - 1 && (stat.Mode & LibCConstants.SIfMt) != LibCConstants.SIfDir)
                throw new RestorePathException($"--path {string.Join('/', names)}: {string.Join('/', names[..(i + 1)])} was not a directory at {moment}");
        }
        var destination = Path.Combine(target, names[^1]);
        if (LibC.RenameAt2(LibCConstants.AtFdCwd, path, LibCConstants.AtFdCwd, destination, LibCConstants.RenameNoReplace) != 0)
            throw new RestoreTargetException($"cannot move the restored {string.Join('/', names)} to {destination}: {LibC.LastError().Text}");
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = stat.AtimeSeconds, Nanoseconds = stat.AtimeNanoseconds };
        times[1] = new TimeSpec { Seconds = stat.MtimeSeconds, Nanoseconds = stat.MtimeNanoseconds };
        if (LibC.UtimensAt(LibCConstants.AtFdCwd, destination, times, LibCConstants.AtSymlinkNoFollow) != 0)
            throw new RestoreTargetException($"cannot set the times of {destination}: {LibC.LastError().Text}");
        return destination;
    }

    internal static void RemoveScratch(string target, string replayRoot)
    {
        var parent = LibC.Open(target, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (parent < 0)
            return;
        try
        {
            ReplicaTree.Remove(parent, [.. Encoding.UTF8.GetBytes(Path.GetFileName(replayRoot)), 0]);
        }
        finally
        {
            LibC.Close(parent);
        }
    }

    /// <summary>Regular files (each inode once) and their sizes, in what was restored.</summary>
    private static (long Files, long Bytes) Count(string root)
    {
        var seen = new HashSet<ulong>();
        long files = 0, bytes = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out var path))
        {
            StatxBuffer stat;
            if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
                continue;
            var type = stat.Mode & LibCConstants.SIfMt;
            if (type == LibCConstants.SIfReg && seen.Add(stat.Ino))
            {
                files++;
                bytes += (long)stat.Size;
            }
            else if (type == LibCConstants.SIfDir)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                    pending.Push(entry);
            }
        }
        return (files, bytes);
    }
}
