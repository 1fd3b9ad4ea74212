using Vellum.Journal.Format;

namespace Vellum.Catalog;

/// <summary>One operation that touched a file or directory: its transaction, what it did, the path(s) it named then, the size it left, who did it (and with which command, when the journal says) and when.</summary>
public sealed record HistoryEntry(
    ulong TransactionId,
    int Sequence,
    SubRecordType Operation,
    CatalogRole Role,
    byte[]? Path,
    byte[]? Path2,
    ulong? SizeAfter,
    uint Uid,
    uint Gid,
    uint Pid,
    byte[]? Command,
    JournalTimestamp Time);

/// <summary>An object that once had the asked path, with the last transaction that touched it.</summary>
public sealed record HistoryCandidate(long Object, ulong LastTransactionId);

/// <summary>
/// The answer to a history question: the object the path names now (<see cref="ExistsNow"/>),
/// or, for a path no longer in the tree, the object that last had it (<see cref="OtherCandidates"/>
/// lists the earlier ones, newest first); null <see cref="Object"/> when nothing ever had it.
/// </summary>
public sealed record HistoryAnswer(long? Object, bool ExistsNow, IReadOnlyList<HistoryCandidate> OtherCandidates, IReadOnlyList<HistoryEntry> Entries);

/// <summary>Which part of a history to give: transaction ids and operation times, both inclusive.</summary>
public sealed record HistoryRange(ulong FromTransaction = 0, ulong ToTransaction = ulong.MaxValue, long FromTime = long.MinValue, long ToTime = long.MaxValue)
{
    public static HistoryRange All { get; } = new();
}
