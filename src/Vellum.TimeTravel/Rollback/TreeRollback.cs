using System.Security.Cryptography;
using Vellum.Mirror;
using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// `vellum rollback`: puts a live tree (a journaled mount, or a subtree of it) back as it was
/// at a resolved moment, through ordinary file operations on the live paths, so that through a
/// mount the rollback is itself journaled and can be rolled back in turn. The past is restored
/// (<see cref="TreeRestore"/>) into a private scratch directory, compared with the live tree
/// (<see cref="RollbackPlan"/>), files renamed since the moment found from the journal
/// (<see cref="RollbackOrigins"/>) to be renamed back, the differences applied
/// (<see cref="RollbackApplier"/>), and the live tree compared once more: what differs then
/// was changed by someone else while the rollback ran (docs/time-travel.md 8). The scratch
/// directory is removed on every path.
/// </summary>
public static class TreeRollback
{
    /// <summary>The tmpfs every Linux system mounts for shared memory.</summary>
    private const string MemoryScratch = "/dev/shm";

    private const long TmpfsMagic = 0x01021994;

    /// <summary>A scratch directory's name: this prefix, the process id, a random suffix.</summary>
    internal const string ScratchPrefix = ".vellum-rollback-";

    /// <param name="liveRoot">The live tree's root: the mountpoint.</param>
    /// <param name="scratchParent">Where the private scratch directory is made: beside the journal, so on a disk with room for what it holds.</param>
    /// <exception cref="RestorePathException">The subpath leaves the tree, or named nothing at the moment.</exception>
    /// <exception cref="RestoreDamagedException">Damage stopped the replay: nothing was changed.</exception>
    /// <exception cref="IOException">A live name could not be read or changed (the message names it); what was done before stays done.</exception>
    public static RollbackResult Run(string storeDirectory, ResolvedMoment moment, string liveRoot, string? subPath, bool dryRun, string scratchParent,
        CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var scratch = MakeScratch(storeDirectory, scratchParent);
        try
        {
            var restored = TreeRestore.Run(storeDirectory, moment, Path.Combine(scratch, "past"), subPath, cancellation: cancellation);
            var live = subPath is null ? liveRoot : Path.Combine(liveRoot, subPath.Trim('/'));
            var plan = RollbackPlan.Compute(restored.Directory, live);
            if (!dryRun && !plan.IsEmpty)
                plan.RenameBack(RollbackOrigins.Read(storeDirectory, moment, subPath, plan.Past, cancellation));
            if (dryRun || plan.IsEmpty)
                return new RollbackResult(moment, live, dryRun, plan.Changes, [], clock.Elapsed);
            RollbackApplier.Apply(plan, cancellation);
            var again = plan.CompareAgain();
            return new RollbackResult(moment, live, dryRun, plan.Changes, again.Changes, clock.Elapsed);
        }
        finally
        {
            TreeRestore.RemoveScratch(Path.GetDirectoryName(scratch)!, scratch);
        }
    }

    /// <summary>
    /// An owner-only directory for the past tree (it holds the tree's bytes, which only the
    /// store's owner may read): in memory (<see cref="MemoryScratch"/>) when the whole store
    /// takes at most a quarter of what is free there (the restored tree cannot hold more bytes
    /// than the journal wrote), else in <paramref name="parent"/>, else /var/tmp. On a disk,
    /// writing the past and removing it afterwards cost more than the rest of a small rollback.
    /// </summary>
    private static string MakeScratch(string storeDirectory, string parent)
    {
        var name = $"{ScratchPrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        foreach (var place in new[] { MemoryScratch, parent, "/var/tmp" })
            RemoveAbandoned(place);
        var places = FitsInMemory(storeDirectory) ? new[] { MemoryScratch, parent, "/var/tmp" } : [parent, "/var/tmp"];
        foreach (var place in places)
        {
            var path = Path.Combine(place, name);
            if (LibC.MkdirAt(LibCConstants.AtFdCwd, path, ExactDirectory.Private) == 0)
                return path;
        }
        throw new RestoreTargetException($"cannot make a private scratch directory in {parent} or /var/tmp: {LibC.LastError().Text}");
    }

    /// <summary>
    /// Removes the scratch directories of rollbacks killed before they could (kill -9, a power
    /// cut): this user's, named for a process that no longer runs. In memory they would hold
    /// their bytes until the machine restarts.
    /// </summary>
    private static unsafe void RemoveAbandoned(string place)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(place, ScratchPrefix + "*").ToList();
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            var pid = name[ScratchPrefix.Length..].Split('-')[0];
            StatxBuffer stat;
            if (!int.TryParse(pid, out _) || Directory.Exists($"/proc/{pid}")
                || LibC.Statx(LibCConstants.AtFdCwd, entry, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0
                || stat.Uid != LibC.GetEuid() || (stat.Mode & LibCConstants.SIfMt) != LibCConstants.SIfDir)
                continue;
            TreeRestore.RemoveScratch(place, entry);
        }
    }

    private static unsafe bool FitsInMemory(string storeDirectory)
    {
        StatFsBuffer memory;
        if (LibC.StatFs(MemoryScratch, &memory) != 0 || memory.Type != TmpfsMagic)
            return false;
        long stored = 0;
        foreach (var file in new DirectoryInfo(storeDirectory).EnumerateFiles())
            stored += file.Length;
        return stored <= (long)(memory.BlocksAvailable * (ulong)memory.BlockSize) / 4;
    }
}
