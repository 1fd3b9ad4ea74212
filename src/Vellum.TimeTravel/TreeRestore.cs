using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Vellum.Catalog;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>
/// `vellum restore --at`: materialises the tree (or a subtree, or one file) as it was at a
/// resolved moment into a new or empty directory, through the mirror's applier
/// (<see cref="JournalApplier"/>: path safety, hard links, symlinks, devices, xattrs, modes,
/// owners, ns times, holes). What to apply is decided from the catalog first
/// (<see cref="RestorePlan"/>): only the transactions with something that survives to the
/// moment are read from the store, and of a write only the bytes that survive are written, so
/// each final byte is written once and the journal's dead data is never read. They are read on
/// one thread and applied in id order on another, regular files' content changes on a third
/// beside it (<see cref="FileContentLane"/>). A moment the catalog does not hold yet (a
/// live mount's store past its durable end), or damage met on the way, is replayed instead:
/// every transaction in id order up to the moment, which stops at damage with the tree exact
/// as of the last transaction before it. The store is only read; the catalog beside it is
/// brought up to date. With a SUBPATH the tree's directories and the subtree's own objects are
/// restored into a private directory inside the target (nothing is written outside it), the
/// subtree is renamed out of it, and the rest removed.
/// </summary>
public static unsafe class TreeRestore
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Restores <paramref name="moment"/> of <paramref name="storeDirectory"/> into <paramref name="directory"/> (created when missing; an existing one must be empty), opening the store's catalog.</summary>
    /// <param name="subPath">A path relative to the tree's root: only it is restored, as DIRECTORY/its last name.</param>
    /// <exception cref="RestoreTargetException">The directory is not new or empty, or cannot be made.</exception>
    /// <exception cref="RestorePathException">The subpath leaves the tree, or named nothing at the moment.</exception>
    /// <exception cref="RestoreDamagedException">Damage stopped the replay; the directory holds the exact state of an earlier transaction.</exception>
    /// <exception cref="MirrorException">A transaction was refused (a hostile path) or could not be applied.</exception>
    public static RestoreSummary Run(string storeDirectory, ResolvedMoment moment, string directory, string? subPath = null,
        Action<RestoreProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var catalog = StoreCatalog.Open(storeDirectory);
        return Run(catalog, moment, directory, subPath, progress, cancellation);
    }

    /// <summary>The same with the store's catalog already open (it is brought up to date by opening).</summary>
    /// <param name="bestEffort">
    /// Go on past damage instead of stopping there: the transactions that cannot be read are
    /// skipped, a transaction that cannot be applied after them is left out, and the summary
    /// lists them (<see cref="RestoreSummary.Lost"/>) and the paths they touched, so far as the
    /// catalog or the transactions themselves tell (<see cref="RestoreSummary.NotExact"/>).
    /// </param>
    public static RestoreSummary Run(StoreCatalog catalog, ResolvedMoment moment, string directory, string? subPath = null,
        Action<RestoreProgress>? progress = null, CancellationToken cancellation = default, bool bestEffort = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var clock = Stopwatch.StartNew();
        var inside = subPath is null ? null : SubPath(subPath);
        var target = PrepareTarget(directory);
        var replayRoot = inside is null ? target : Path.Combine(target, $".vellum-restore-{Environment.ProcessId}");
        if (inside is not null && LibC.MkdirAt(LibCConstants.AtFdCwd, replayRoot, ExactDirectory.Private) != 0)
            throw new RestoreTargetException($"cannot make {replayRoot} to replay into: {LibC.LastError().Text}");
        try
        {
            var run = new Restoring(moment, clock, progress, cancellation);
            var planned = catalog.NewestMoment() is { } newest && newest.Id >= moment.TransactionId
                && ApplyPlanned(catalog, RestorePlan.Make(catalog, moment.TransactionId, inside), replayRoot, run);
            var (exact, damage) = planned ? (moment, null)
                : bestEffort ? ReplayPastDamage(catalog, replayRoot, run)
                : Replay(catalog.StoreDirectory, replayRoot, run);
            var result = inside is null ? target : MoveOut(replayRoot, inside, target, moment);
            if (damage is not null)
            {
                var through = exact is { } e ? $"the state after {e}" : "nothing: the damage comes before the first transaction";
                throw new RestoreDamagedException($"the replay stopped before {moment}: the store is damaged at {StoreTimeline.Where(damage)}; {result} holds exactly {through}", exact, damage);
            }
            var (files, bytes) = Count(result);
            return new RestoreSummary(moment, result, subPath, run.Applied, files, bytes, clock.Elapsed)
            {
                Skipped = run.Skipped,
                Lost = run.Lost,
                NotExact = [.. run.NotExact.Order(StringComparer.Ordinal)],
            };
        }
        finally
        {
            if (inside is not null)
                RemoveScratch(target, replayRoot);
        }
    }

    /// <summary>
    /// Reads the plan's transactions (on a thread of their own) and applies them, cut as the
    /// plan says, in id order. False when a transaction could not be read: what was applied is
    /// removed again, and the caller replays instead.
    /// </summary>
    private static bool ApplyPlanned(StoreCatalog catalog, RestorePlan plan, string root, Restoring run)
    {
        using var queue = new BlockingCollection<TransactionEntry>(boundedCapacity: 256);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation);
        StoreDamagedException? damage = null;
        var reader = Task.Run(() =>
        {
            try
            {
                foreach (var transaction in catalog.ReadTransactions(plan.Needed, stop.Token))
                {
                    if (Cut(transaction, plan) is { } cut)
                        queue.Add(cut, stop.Token);
                }
            }
            catch (StoreDamagedException unreadable)
            {
                damage = unreadable;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            using var applier = new JournalApplier(root);
            using var lane = new FileContentLane(root, run.Apply);
            foreach (var transaction in queue.GetConsumingEnumerable(run.Cancellation))
            {
                if (FileContentLane.Takes(transaction))
                {
                    lane.Add(transaction, run.Cancellation);
                    continue;
                }
                if (FileContentLane.MustWaitFor(transaction))
                    lane.Drain(run.Cancellation);
                run.Apply(applier, transaction);
            }
            lane.Drain(run.Cancellation);
        }
        finally
        {
            stop.Cancel();
            reader.Wait(CancellationToken.None);
        }
        run.Cancellation.ThrowIfCancellationRequested();
        if (damage is not null)
        {
            Empty(root);
            run.Reset();
            return false;
        }
        run.Skipped = plan.Skipped;
        run.Finish(run.At);
        return true;
    }

    /// <summary>The transaction with the plan's operations left out or cut to the bytes that survive; null when nothing is left.</summary>
    private static TransactionEntry? Cut(TransactionEntry transaction, RestorePlan plan)
    {
        List<JournalOperation>? operations = null;
        for (var i = 0; i < transaction.Operations.Count; i++)
        {
            var operation = transaction.Operations[i];
            var change = plan.Change(transaction.TransactionId, i);
            if (change is null)
            {
                operations?.Add(operation);
                continue;
            }
            operations ??= [.. transaction.Operations.Take(i)];
            if (operation.Redo is { Offset: { } offset, Data: { } data })
            {
                for (var p = 0; p < change.Count; p++)
                    operations.Add(Piece(operation, data.Slice((int)(change[p].Start - offset), (int)change[p].Length), change[p].Start, last: p == change.Count - 1));
            }
        }
        return operations is null ? transaction : operations.Count == 0 ? null : transaction with { Operations = operations };
    }

    /// <summary>Part of a write: its surviving bytes; the write's RESULT (the attributes it left) goes with the last part.</summary>
    private static JournalOperation Piece(JournalOperation write, ReadOnlyMemory<byte> data, ulong offset, bool last) => new()
    {
        Kind = write.Kind,
        Time = write.Time,
        Credentials = write.Credentials,
        Path = write.Path,
        Path2 = write.Path2,
        Inode = write.Inode,
        Generation = write.Generation,
        Redo = new OperationState { Offset = offset, Data = data },
        Result = last ? write.Result : null,
    };

    /// <summary>Every transaction in id order up to the moment; stops at damage, returning the last transaction applied (the state the directory holds exactly).</summary>
    private static (ResolvedMoment? Exact, StoreDamagedException? Damage) Replay(string storeDirectory, string root, Restoring run)
    {
        using var store = SegmentStore.OpenReadOnly(storeDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {storeDirectory} holds no readable segment");
        using var applier = new JournalApplier(root);
        var reading = new OrderedReading(store);
        ulong through = 0;
        ResolvedMoment? exact = null;
        foreach (var (id, committed) in reading.Read(run.At.TransactionId, run.Cancellation))
        {
            through = id;
            if (committed is null || committed.Operations.Count == 0)
                continue;
            run.Apply(applier, committed);
            exact = new ResolvedMoment(id, committed.Operations[0].Time);
        }
        run.Cancellation.ThrowIfCancellationRequested();
        run.Finish(exact ?? run.At);
        if (through >= run.At.TransactionId)
            return (exact, null);
        return (exact, reading.Damage ?? new StoreDamagedException($"the store at {storeDirectory} ends at transaction {through}, before {run.At.TransactionId}"));
    }

    /// <summary>
    /// Every transaction in id order up to the moment, past damage: what cannot be read is
    /// skipped (the catalog names the paths of those it indexed before the damage), and a
    /// transaction that cannot be applied (its file was made by one that was lost) is left out,
    /// its paths listed.
    /// </summary>
    private static (ResolvedMoment? Exact, StoreDamagedException? Damage) ReplayPastDamage(StoreCatalog catalog, string root, Restoring run)
    {
        using var store = SegmentStore.OpenReadOnly(catalog.StoreDirectory);
        if (store.SegmentCount == 0)
            throw store.Damage ?? new StoreDamagedException($"the store at {catalog.StoreDirectory} holds no readable segment");
        using var applier = new JournalApplier(root);
        var reading = new ReadingPastDamage(store);
        foreach (var (_, committed) in reading.Read(run.At.TransactionId, run.Cancellation))
        {
            if (committed is null || committed.Operations.Count == 0)
                continue;
            try
            {
                run.Apply(applier, committed);
            }
            catch (MirrorApplyException)
            {
                foreach (var operation in committed.Operations)
                    run.NotExact.UnionWith(new[] { operation.Path, operation.Path2 }.OfType<byte[]>().Select(path => PathText.Show(path)));
            }
        }
        run.Cancellation.ThrowIfCancellationRequested();
        run.Finish(run.At);
        foreach (var lost in reading.Lost.Where(lost => lost.From <= run.At.TransactionId))
        {
            run.Lost.Add(lost);
            run.NotExact.UnionWith(catalog.PathsTouched(lost.From, Math.Min(lost.To ?? ulong.MaxValue, run.At.TransactionId)).Select(path => PathText.Show(path)));
        }
        return (run.At, null);
    }

    /// <summary>Removes everything inside <paramref name="root"/>, keeping the directory itself.</summary>
    private static void Empty(string root)
    {
        var directory = LibC.Open(root, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (directory < 0)
            throw new RestoreTargetException($"cannot open {root} to start again: {LibC.LastError().Text}");
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(root))
                ReplicaTree.Remove(directory, [.. Encoding.UTF8.GetBytes(Path.GetFileName(entry)), 0]);
        }
        finally
        {
            LibC.Close(directory);
        }
    }

    /// <summary>What a restore has applied so far, and its progress reports.</summary>
    private sealed class Restoring(ResolvedMoment at, Stopwatch clock, Action<RestoreProgress>? progress, CancellationToken cancellation)
    {
        private readonly object _counting = new();
        private TimeSpan _shown;
        private long _bytes;
        private long _files;
        private ulong _through;

        public ResolvedMoment At { get; } = at;

        public CancellationToken Cancellation { get; } = cancellation;

        public long Applied { get; private set; }

        public long Skipped { get; set; }

        public List<LostTransactions> Lost { get; } = [];

        public HashSet<string> NotExact { get; } = new(StringComparer.Ordinal);

        /// <summary>Applies one transaction and counts it; called from the restore's two applying threads.</summary>
        public void Apply(JournalApplier applier, TransactionEntry transaction)
        {
            applier.Apply(transaction);
            lock (_counting)
                Count(transaction);
        }

        private void Count(TransactionEntry transaction)
        {
            Applied++;
            _through = transaction.TransactionId;
            foreach (var operation in transaction.Operations)
            {
                _bytes += operation.Redo?.Data?.Length ?? 0;
                if (operation.Kind is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Symlink or SubRecordType.Mknod or SubRecordType.Link
                    || (operation.Kind == SubRecordType.Baseline && operation.Redo?.Flags is { } flags && (flags & (uint)BaselineFlags.Name) != 0))
                    _files++;
            }
            if (progress is not null && clock.Elapsed - _shown >= ProgressInterval)
            {
                _shown = clock.Elapsed;
                progress(new RestoreProgress(Applied, _through, At.TransactionId, _bytes, _files, _shown));
            }
        }

        public void Finish(ResolvedMoment through) => progress?.Invoke(new RestoreProgress(Applied, through.TransactionId, At.TransactionId, _bytes, _files, clock.Elapsed));

        /// <summary>Starts the counts again (a planned restore given up for a replay).</summary>
        public void Reset()
        {
            Applied = 0;
            _bytes = 0;
            _files = 0;
            _through = 0;
        }
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
