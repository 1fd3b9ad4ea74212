using Vellum.Journal.Scanning;

namespace Vellum.Mirror;

/// <summary>
/// Hands out ended transactions in id order, so that the persisted position can be one id
/// (everything up to it applied). The store holds them in the order they ended, which
/// differs when a long transaction (a large write) is still open while later ones end; those
/// wait here until every lower id has ended. A lower id is known not to be pending when it
/// is the next id, or below what is settled: a segment checkpoint lists the transactions
/// open at it, and the end of a reading lists those still open.
/// </summary>
internal sealed class TransactionOrder(ulong applied)
{
    private readonly SortedDictionary<ulong, TransactionEntry?> _ended = [];
    private ulong _settledBelow;

    /// <summary>Every transaction up to this id has been handed out (or never existed).</summary>
    public ulong Applied { get; private set; } = applied;

    /// <summary>A transaction ended: committed, or aborted (null).</summary>
    public void Ended(ulong id, TransactionEntry? committed)
    {
        if (id > Applied)
            _ended[id] = committed;
    }

    /// <summary>No transaction below <paramref name="id"/> is still open or yet to begin.</summary>
    public void Settle(ulong id) => _settledBelow = Math.Max(_settledBelow, id);

    /// <summary>
    /// The next transaction in id order up to <paramref name="through"/>, when nothing below it
    /// can still come; null entry for an aborted one.
    /// </summary>
    public bool TryTakeNext(ulong through, out ulong id, out TransactionEntry? committed)
    {
        foreach (var (first, entry) in _ended)
        {
            if ((first != Applied + 1 && first >= _settledBelow) || first > through)
                break;
            _ended.Remove(first);
            Applied = first;
            (id, committed) = (first, entry);
            return true;
        }
        (id, committed) = (0, null);
        return false;
    }
}
