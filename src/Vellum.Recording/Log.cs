using Microsoft.Extensions.Logging;

namespace Vellum.Recording;

/// <summary>What the journaled mount tells its operator (event ids 1400-1499).</summary>
internal static partial class RecordingLog
{
    [LoggerMessage(1400, LogLevel.Warning, "journal {Directory} is full: {Reason}. Changes through the mount get ENOSPC until there is room (checked every {RetryMilliseconds} ms), and so do fsyncs of changes not yet stored; the {WaitingBytes} bytes of changes already made wait in the write-ahead ring")]
    public static partial void JournalFull(ILogger logger, string directory, string reason, long retryMilliseconds, ulong waitingBytes);

    [LoggerMessage(1401, LogLevel.Information, "journal {Directory} has room again: the changes that waited in the write-ahead ring are in the store, and new changes are taken")]
    public static partial void JournalHasRoom(ILogger logger, string directory);

    [LoggerMessage(1402, LogLevel.Error, "journal {Directory} stopped: {Reason}. Changes through the mount get EIO; what the write-ahead ring holds goes to the store when the journal is opened again (unmount, then mount)")]
    public static partial void JournalStopped(ILogger logger, string directory, string reason);

    [LoggerMessage(1403, LogLevel.Warning, "journal {Directory}: finishing failed ({Reason}); the next mount takes what the store lacks from the write-ahead ring")]
    public static partial void FinishFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(1404, LogLevel.Warning, "journal {Directory}: the last records could not be made durable ({Reason}); the next mount takes them from the write-ahead ring")]
    public static partial void LastRecordsNotDurable(ILogger logger, string directory, string reason);

    [LoggerMessage(1405, LogLevel.Warning, "journal {Directory}: could not list a file for journal-only fsyncs ({Reason}); its fsyncs keep syncing the backing file")]
    public static partial void FileNotListed(ILogger logger, string directory, string reason);

    [LoggerMessage(1406, LogLevel.Warning, "journal {Directory}: the last checkpoint of the backing files failed: {Reason}; the next mount of this journal syncs them")]
    public static partial void LastCheckpointFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(1407, LogLevel.Warning, "journal {Directory}: checkpoint of the backing files failed: {Reason}; the journal keeps what they may lack, and the next checkpoint tries again")]
    public static partial void CheckpointFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(1408, LogLevel.Warning, "replication target {Target} did not acknowledge store position {StorePosition} within {WaitedSeconds} s ({Reason}); the records stay in the local journal and keep being sent")]
    public static partial void CopyNotAcknowledged(ILogger logger, string target, long storePosition, string waitedSeconds, string reason);

    [LoggerMessage(1409, LogLevel.Information, "baseline of {Backing}: {Objects} objects and {Bytes} bytes to record into journal {Directory}, in the background; the mount is usable meanwhile")]
    public static partial void BaselineStarting(ILogger logger, string backing, long objects, long bytes, string directory);

    [LoggerMessage(1410, LogLevel.Information, "baseline complete: {Objects} objects and {Bytes} bytes of {Backing} recorded in {Seconds} s; journal {Directory} now describes all of it")]
    public static partial void BaselineComplete(ILogger logger, string backing, long objects, long bytes, string seconds, string directory);

    [LoggerMessage(1411, LogLevel.Warning, "found at mount: {Backing} was changed while no mount ran ({Created} created, {Deleted} deleted, {Modified} modified): {Paths}; recording those changes now")]
    public static partial void FoundAtMount(ILogger logger, string backing, long created, long deleted, long modified, string paths);

    [LoggerMessage(1412, LogLevel.Warning, "baseline manifest {Path} ignored: {Problem}; the baseline runs over the whole tree again (what the journal already holds is recorded again, harmlessly)")]
    public static partial void ManifestIgnored(ILogger logger, string path, string problem);

    [LoggerMessage(1413, LogLevel.Warning, "journal {Directory} is format version {Version}, older than the baseline (version 3): what {Backing} held before the journal began is not in it, so a replica of it needs a copy made by other means; a new journal directory records it")]
    public static partial void NoBaseline(ILogger logger, string directory, int version, string backing);

    [LoggerMessage(1414, LogLevel.Error, "baseline of journal {Directory} stopped: {Reason}; changes keep being journaled, and the next mount resumes the baseline")]
    public static partial void BaselineStopped(ILogger logger, string directory, string reason);

    [LoggerMessage(1415, LogLevel.Information, "checked {Backing} against journal {Directory}: {Checked} names in {Seconds} s, {Objects} objects to record")]
    public static partial void Checked(ILogger logger, string backing, string directory, long @checked, string seconds, long objects);

    [LoggerMessage(1416, LogLevel.Warning, "could not save the baseline manifest {Path}: {Reason}; a restart checks more of the tree again")]
    public static partial void ManifestNotSaved(ILogger logger, string path, string reason);

    [LoggerMessage(1417, LogLevel.Information, "the last mount of {Backing} did not stop cleanly, so what changed since its last manifest is recorded again ({Created} created, {Deleted} deleted, {Modified} modified, most of them through that mount and already journaled; recording them again is harmless): {Paths}")]
    public static partial void FoundAfterUncleanStop(ILogger logger, string backing, long created, long deleted, long modified, string paths);

    [LoggerMessage(1480, LogLevel.Information, "journal {Directory}: {Said}")]
    public static partial void Bound(ILogger logger, string directory, string said);

    [LoggerMessage(1481, LogLevel.Warning, "cannot store the mark binding {Backing} to the journal {Directory} ({Reason}): the journal records the directory's identity, and a second mount of it while this one runs is refused, but a later mount of it with another journal is not")]
    public static partial void MarkNotStored(ILogger logger, string backing, string directory, string reason);

    [LoggerMessage(1490, LogLevel.Warning, "{Warning}")]
    public static partial void SharedJournal(ILogger logger, string warning);
}
