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
}
