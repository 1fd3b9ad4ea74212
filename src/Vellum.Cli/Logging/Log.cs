using Microsoft.Extensions.Logging;

namespace Vellum.Cli.Logging;

/// <summary>The lines the command line itself prints on stderr (event ids 1800-1899).</summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "{Problem}")]
    public static partial void CommandFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "journal {Directory} (id {JournalId}, sync {Sync}): {Recovery}")]
    public static partial void JournalOpened(ILogger logger, string directory, Guid journalId, string sync, string recovery);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Information, Message = "{Backing} mounted at {MountPoint} (FUSE {Protocol}, passthrough {Passthrough}, {Journaled}); Ctrl-C or 'vellum umount {MountPoint}' to stop")]
    public static partial void Mounted(ILogger logger, string backing, string mountPoint, string protocol, string passthrough, string journaled);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Warning, Message = "{MountPoint} was busy ({Holders}): detached it and aborted its connection, so its daemon stops now, keeping every change made so far; those files get errors (ENOTCONN) until they are closed")]
    public static partial void UnmountedBusy(ILogger logger, string mountPoint, string holders);

    [LoggerMessage(EventId = 1808, Level = LogLevel.Warning, Message = "the mirror stopped: {Problem}")]
    public static partial void DemoMirrorStopped(ILogger logger, string problem);

    [LoggerMessage(EventId = 1809, Level = LogLevel.Critical, Message = "unexpected failure ({Type}): {Problem}; please report it, with the lines above and the output of the same command with --log-level debug")]
    public static partial void UnexpectedFailure(ILogger logger, Exception failure, string type, string problem);

    [LoggerMessage(EventId = 1890, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void SharedJournal(ILogger logger, string warning);

    [LoggerMessage(EventId = 1830, Level = LogLevel.Information, Message = "--at {Moment} is {Resolved}; restoring into {Directory}")]
    public static partial void MomentResolved(ILogger logger, string moment, string resolved, string directory);

    [LoggerMessage(EventId = 1850, Level = LogLevel.Information, Message = "--at {Moment} is {Resolved}; reading {Path}")]
    public static partial void MomentResolvedFor(ILogger logger, string moment, string resolved, string path);

    [LoggerMessage(EventId = 1865, Level = LogLevel.Information, Message = "{Option} {Moment} is {Resolved}")]
    public static partial void DiffMomentResolved(ILogger logger, string option, string moment, string resolved);

    [LoggerMessage(EventId = 1831, Level = LogLevel.Information, Message = "--to {Moment} is {Resolved}; rolling {MountPoint} back (it was at txid:{Before} before)")]
    public static partial void RollbackResolved(ILogger logger, string moment, string resolved, string mountPoint, ulong before);

    [LoggerMessage(EventId = 1832, Level = LogLevel.Warning, Message = "{Path} ({Code}) differs from the moment again after the rollback: changed by another process meanwhile")]
    public static partial void ChangedMeanwhile(ILogger logger, string path, char code);

    [LoggerMessage(EventId = 1833, Level = LogLevel.Information, Message = "--to {Moment} is {Resolved}; undoing {Replica} from {From}")]
    public static partial void UndoResolved(ILogger logger, string moment, string resolved, string replica, string from);

    [LoggerMessage(EventId = 1840, Level = LogLevel.Information, Message = "catalog {Catalog} built ({Reason}): {Transactions} transaction(s) from {Bytes} store bytes in {Seconds:F1} s")]
    public static partial void CatalogBuilt(ILogger logger, string catalog, string reason, long transactions, long bytes, double seconds);

    [LoggerMessage(EventId = 1841, Level = LogLevel.Debug, Message = "catalog {Catalog} brought up to date: {Transactions} new transaction(s) from {Bytes} store bytes in {Milliseconds:F0} ms")]
    public static partial void CatalogUpdated(ILogger logger, string catalog, long transactions, long bytes, double milliseconds);

    [LoggerMessage(EventId = 1842, Level = LogLevel.Warning, Message = "the catalog is not kept beside the store ({Reason}): it was built in memory for this command, from the whole journal")]
    public static partial void CatalogNotKept(ILogger logger, string reason);

    [LoggerMessage(EventId = 1844, Level = LogLevel.Information, Message = "--at {Moment} is {Resolved}; the history of what {Path} named then")]
    public static partial void HistoryAtResolved(ILogger logger, string moment, string resolved, string path);

    [LoggerMessage(EventId = 1843, Level = LogLevel.Information, Message = "{Path}: {Which}")]
    public static partial void HistoryOfGone(ILogger logger, string path, string which);
}
