using Vellum.Journal.Format;

namespace Vellum.Journal.Scanning;

/// <summary>
/// The transactions open on each stream id and the transaction id rules between records:
/// BEGIN ids strictly increase (from the restart point after a restart record), every later
/// record repeats its transaction's id, and one transaction at a time is open per stream id.
/// </summary>
internal sealed class TransactionTable
{
    private readonly Dictionary<ushort, TransactionAssembler> _open = [];
    private readonly Dictionary<ushort, ulong> _continued = [];
    private ulong? _resumeFrom;

    /// <summary>The id of the most recent BEGIN, or what the first sync point says it was.</summary>
    public ulong LastBegun { get; set; }

    /// <summary>
    /// The last transaction begun before the input started: records of it and earlier ones
    /// found with no transaction open on their stream id continue transactions whose BEGIN
    /// the input does not hold, and are skipped.
    /// </summary>
    public ulong ContinuedUpTo { get; set; }

    public long SkippedContinuations { get; private set; }

    public IReadOnlyList<OpenTransaction> OpenTransactions() =>
    [
        .. _open.Values.Select(open => new OpenTransaction(open.TransactionId, open.StreamId))
            .Concat(_continued.Select(pair => new OpenTransaction(pair.Value, pair.Key)))
            .OrderBy(open => open.TransactionId),
    ];

    /// <summary>A transaction open where the input starts: its records are skipped until its END.</summary>
    public void Continue(OpenTransaction open) => _continued[open.StreamId] = open.TransactionId;

    /// <summary>
    /// The source starts again from <paramref name="resumeFrom"/>: what it left open will be sent
    /// again from the start, so those partial transactions are dropped.
    /// </summary>
    public void Restart(ulong resumeFrom)
    {
        _open.Clear();
        _continued.Clear();
        _resumeFrom = resumeFrom;
    }

    /// <summary>Takes a transaction-stream record; returns its entry when the record ended a transaction.</summary>
    public bool Process(in RecordFrame record, bool reversible, out JournalEntry? entry, out JournalError? error)
    {
        entry = null;
        error = null;
        var header = record.Header;
        var streamId = header.Id;
        if (header.IsAborted && !header.IsEnd)
            return Fail(record, out error, "ABORTED only together with END", $"stream field 0x{header.StreamField:X4}");
        _open.TryGetValue(streamId, out var open);
        if (header.IsBegin)
        {
            if (open is not null)
            {
                return Fail(record, out error, $"no open transaction on stream 0x{streamId:X4} at a BEGIN record",
                    $"transaction {open.TransactionId}, begun at byte {open.BeginOffset}, still open");
            }
            if (_continued.TryGetValue(streamId, out var unfinished))
            {
                return Fail(record, out error, $"no open transaction on stream 0x{streamId:X4} at a BEGIN record",
                    $"transaction {unfinished}, begun before the input started, still open");
            }
            if (!CheckNewId(record, out error))
                return false;
            open = new TransactionAssembler(header.TransactionId, streamId, record.Offset, reversible);
            _open.Add(streamId, open);
            LastBegun = header.TransactionId;
            _resumeFrom = null;
        }
        else if (open is null && _continued.TryGetValue(streamId, out var continued) && continued == header.TransactionId)
        {
            SkippedContinuations++;
            if (header.IsEnd)
                _continued.Remove(streamId);
            return true;
        }
        else if (open is null && header.TransactionId != 0 && header.TransactionId <= ContinuedUpTo)
        {
            SkippedContinuations++;
            return true;
        }
        else if (open is null)
        {
            return Fail(record, out error, $"a BEGIN record opening a transaction on stream 0x{streamId:X4}",
                $"a record of transaction {header.TransactionId} without BEGIN while none is open there");
        }
        else if (header.TransactionId != open.TransactionId)
        {
            return Fail(record, out error, $"transaction id {open.TransactionId}, open on stream 0x{streamId:X4}", $"{header.TransactionId}");
        }
        if (!open.Feed(record))
        {
            error = open.Error;
            return false;
        }
        if (!header.IsEnd)
            return true;
        _open.Remove(streamId);
        if (header.IsAborted)
        {
            entry = new AbortedTransactionEntry(record.Offset, open.TransactionId, streamId);
            return true;
        }
        if (!open.TryCommit(record.Offset, out var committed))
        {
            error = open.Error;
            return false;
        }
        entry = committed;
        return true;
    }

    private bool CheckNewId(in RecordFrame record, out JournalError? error)
    {
        error = null;
        var id = record.Header.TransactionId;
        if (id == 0)
            return Fail(record, out error, "a non-zero transaction id on a BEGIN record", "0");
        if (_resumeFrom is { } resumeFrom)
            return id >= resumeFrom || Fail(record, out error, $"a transaction id of at least {resumeFrom} (the restart point) on a BEGIN record", $"{id}");
        return id > LastBegun || Fail(record, out error, $"a transaction id above {LastBegun} (the previous BEGIN) on a BEGIN record", $"{id}");
    }

    private static bool Fail(in RecordFrame record, out JournalError? error, string expected, string found)
    {
        error = JournalError.Corrupt(record.Offset, expected, found);
        return false;
    }
}
