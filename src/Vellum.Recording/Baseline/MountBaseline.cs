using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// The baseline of one journaled mount (docs/journal-format.md 3.5 and 8): when the journal
/// opens, the backing directory is compared with the manifest (<see cref="Prepare"/>); while
/// the mount serves, what the journal does not describe is recorded in the background and
/// before any change to it; at a clean stop the manifest is written.
/// </summary>
internal sealed class MountBaseline : IDisposable
{
    private readonly string _journal;
    private readonly string _backing;
    private readonly string _manifestPath;
    private readonly int _rootFd;
    private readonly Guid _journalId;
    private readonly ILogger _logger;
    private BaselineWalker? _walker;
    private bool _stopped;

    private MountBaseline(string journal, string backing, int rootFd, Guid journalId, BaselineCoverage coverage, ILogger logger)
    {
        _journal = journal;
        _backing = backing;
        _manifestPath = Path.Combine(journal, BaselineManifest.FileName);
        _rootFd = rootFd;
        _journalId = journalId;
        Coverage = coverage;
        _logger = logger;
    }

    public BaselineCoverage Coverage { get; }

    public BaselineProgress Progress => Coverage.Progress;

    /// <summary>
    /// Compares <paramref name="backing"/> with the journal's manifest, metadata only, after
    /// recovery brought the backing directory up to the journal. The first baseline is
    /// refused when the journal's filesystem has no room for it.
    /// </summary>
    /// <exception cref="JournalSpaceException">The journal's filesystem has less room than the baseline needs.</exception>
    /// <param name="lastTransactionId">The store's last transaction: beyond the manifest's when the last mount did not stop cleanly.</param>
    public static MountBaseline Prepare(string journal, string backing, Guid journalId, ulong lastTransactionId, ILogger logger)
    {
        var manifestPath = Path.Combine(journal, BaselineManifest.FileName);
        var manifest = BaselineManifest.Load(manifestPath, journalId, out var problem);
        if (problem is not null)
            RecordingLog.ManifestIgnored(logger, manifestPath, problem);
        var rootFd = BackingInspection.OpenDirectory(backing);
        if (rootFd < 0)
            throw new IOException($"cannot open the backing directory {backing}: {LibC.LastError()}");
        var anchors = new HardLinkAnchors();
        try
        {
            var checking = Stopwatch.StartNew();
            var plan = BaselineCheck.Run(rootFd, manifest, anchors);
            var progress = new BaselineProgress
            {
                CheckDuration = checking.Elapsed,
                CheckedObjects = plan.Checked,
                FoundChanges = plan.Found.Total,
                ObjectsTotal = plan.Objects,
                BytesTotal = plan.Bytes,
            };
            RecordingLog.Checked(logger, backing, journal, plan.Checked, checking.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture), plan.Objects);
            if (manifest is null || !manifest.Complete)
                CheckRoom(journal, backing, plan);
            if (plan.Found.Total > 0)
            {
                var paths = string.Join(", ", plan.Found.FirstPaths) + (plan.Found.Total > plan.Found.FirstPaths.Count ? ", ..." : "");
                if (manifest!.TransactionId < lastTransactionId)
                    RecordingLog.FoundAfterUncleanStop(logger, backing, plan.Found.Created, plan.Found.Deleted, plan.Found.Modified, paths);
                else
                    RecordingLog.FoundAtMount(logger, backing, plan.Found.Created, plan.Found.Deleted, plan.Found.Modified, paths);
            }
            var device = BackingInspection.Stat(rootFd, out var root) == Errno.Success ? root.Dev : 0;
            var recorded = manifest ?? new BaselineManifest(journalId) { Device = device };
            var coverage = new BaselineCoverage(plan, recorded, anchors, new BackingPaths(backing), rootFd, found: manifest?.Complete == true, progress);
            return new MountBaseline(journal, backing, rootFd, journalId, coverage, logger);
        }
        catch
        {
            anchors.Dispose();
            LibC.Close(rootFd);
            throw;
        }
    }

    /// <summary>Starts recording in the background what the journal does not describe (at once complete when that is nothing).</summary>
    public void Start(ReaderWriterLockSlim namespaceLock, MemoryFifo fifo, JournalDurability durability, long bytesPerSecond)
    {
        var progress = Progress;
        progress.Start();
        if (Coverage.Complete)
        {
            Coverage.MarkComplete();
            progress.Complete();
            return;
        }
        RecordingLog.BaselineStarting(_logger, _backing, progress.ObjectsTotal, progress.BytesTotal, _journal);
        _walker = new BaselineWalker(Coverage, namespaceLock, fifo, durability, bytesPerSecond, _manifestPath, _rootFd, _journal, _backing, _logger);
        _walker.Start();
    }

    /// <summary>Stops the walk (the mount is gone): nothing more is recorded.</summary>
    public void Stop()
    {
        if (_stopped)
            return;
        _stopped = true;
        _walker?.Dispose();
        Progress.Stop();
    }

    /// <summary>
    /// Writes the manifest once the store is durable and nothing changes any more: after a
    /// complete baseline, a fresh description of the backing directory (which the journal
    /// describes entirely now); otherwise what was covered, where the next mount resumes.
    /// </summary>
    public void SaveAtStop(ulong lastTransactionId)
    {
        try
        {
            var bytes = Coverage.Complete
                ? BaselineCheck.Describe(_rootFd, _journalId, lastTransactionId).Format()
                : Coverage.ManifestBytes(lastTransactionId);
            BaselineManifest.Write(_manifestPath, bytes);
        }
        catch (IOException failure)
        {
            RecordingLog.ManifestNotSaved(_logger, _manifestPath, failure.Message);
        }
    }

    private static void CheckRoom(string journal, string backing, BaselinePlan plan)
    {
        var free = FreeBytes(journal);
        // Records add their framing and paths to the data; a tenth more is ample.
        var needed = plan.Bytes + plan.Bytes / 10 + plan.Objects * 512;
        if (free >= 0 && needed > free)
            throw new JournalSpaceException(
                $"the baseline of {backing} ({plan.Objects} objects, {Size(plan.Bytes)} of data) needs about {Size(needed)} in the journal {journal}, "
                + $"whose filesystem has {Size(free)} free: free some space there, or give a journal on a larger disk with --journal DIR");
    }

    private static unsafe long FreeBytes(string directory)
    {
        StatFsBuffer buffer;
        return LibC.StatFs(directory, &buffer) == 0 ? (long)buffer.BlocksAvailable * buffer.FragmentSize : -1;
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} bytes",
    };

    public void Dispose()
    {
        Stop();
        Coverage.Dispose();
        LibC.Close(_rootFd);
    }
}
