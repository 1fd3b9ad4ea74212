using Vellum.Journal.Scanning;

namespace Vellum.Cli.Commands;

/// <summary>
/// Which transactions are printed: those within --from/--to, each once even when a store
/// is read again while following. Also says when reading may stop after --to.
/// </summary>
internal sealed class LogSelection(LogOptions options, LogOutput output)
{
    /// <summary>Every id up to this one was printed, skipped, or is in <see cref="_pending"/>.</summary>
    private ulong _seen = options.From == 0 ? 0 : options.From - 1;
    private ulong _seenBeforePass;
    private HashSet<ulong> _pending = [];
    private bool _passedTo;

    public void BeginPass() => _seenBeforePass = _seen;

    /// <summary>Prints the entry if selected; false once nothing at or below --to can follow (never when following).</summary>
    public bool Take(JournalEntry entry)
    {
        switch (entry)
        {
            case TransactionEntry transaction:
                if (IsNew(transaction.TransactionId))
                    output.Write(transaction);
                break;
            case AbortedTransactionEntry aborted:
                if (IsNew(aborted.TransactionId))
                    output.WriteAborted(aborted.TransactionId);
                break;
            case CheckpointRecordEntry checkpoint when _passedTo && !options.Follow:
                // Records of transactions interleave, so one at or below --to may end after
                // one above it; a segment's checkpoint lists those still open. Go on only
                // while one of the selected ones is.
                return checkpoint.Checkpoint.Open.Any(open => open.TransactionId >= options.From && open.TransactionId <= options.To);
        }
        return true;
    }

    /// <summary>Where the next read of a followed store starts: at the oldest transaction it left open, or after the newest it saw.</summary>
    public ulong NextPassFrom(IReadOnlyList<ulong> incomplete)
    {
        _pending = [.. incomplete.Where(id => id >= options.From)];
        var next = _seen == ulong.MaxValue ? _seen : _seen + 1;
        return _pending.Count == 0 ? next : Math.Min(next, _pending.Min());
    }

    private bool IsNew(ulong id)
    {
        if (id < options.From || (id <= _seenBeforePass && !_pending.Remove(id)))
            return false;
        _seen = Math.Max(_seen, id);
        if (id <= options.To)
            return true;
        _passedTo = true;
        return false;
    }
}
