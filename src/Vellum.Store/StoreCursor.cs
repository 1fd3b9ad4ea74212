using System.Diagnostics.CodeAnalysis;
using Vellum.Journal.Scanning;

namespace Vellum.Store;

/// <summary>
/// Reads a store forward from a transaction id: committed and aborted transactions from that
/// id on, and the control entries between them (sync points and checkpoints at segment
/// boundaries, annotations, ...). Following, it waits at the end for new appends: the live
/// tail that replication and mirroring read. Damage ends the reading with <see cref="Error"/>
/// placed in its segment file.
/// </summary>
public sealed class StoreCursor : IDisposable
{
    private readonly SegmentStore _store;
    private readonly JournalScanner _scanner;
    private readonly long _start;
    private readonly ulong _from;

    internal StoreCursor(SegmentStore store, Stream stream, long start, JournalResume resume, ulong from)
    {
        _store = store;
        _start = start;
        _from = from;
        _scanner = new JournalScanner(stream, leaveOpen: false, resume);
    }

    /// <summary>Where reading stopped at damage, or null.</summary>
    public StoreDamagedException? Error { get; private set; }

    /// <summary>Transactions the cursor saw begun and not ended when it stopped (still being written, when following).</summary>
    public IReadOnlyList<ulong> Incomplete => _scanner.IncompleteTransactions;

    /// <summary>The store position of an entry's last record (entries carry offsets relative to where the cursor started).</summary>
    public long PositionOf(JournalEntry entry) => _start + entry.Offset;

    public bool TryRead([NotNullWhen(true)] out JournalEntry? entry)
    {
        while (_scanner.TryRead(out entry))
        {
            var below = entry switch
            {
                TransactionEntry transaction => transaction.TransactionId < _from,
                AbortedTransactionEntry aborted => aborted.TransactionId < _from,
                _ => false,
            };
            if (!below)
                return true;
        }
        if (_scanner.Error is { } error)
        {
            var position = _start + error.Offset;
            var (file, offset) = _store.Place(position);
            Error = new StoreDamagedException($"{Path.GetFileName(file)} at byte {offset}: {error.Message}", file, offset, position);
        }
        entry = null;
        return false;
    }

    public void Dispose() => _scanner.Dispose();
}
