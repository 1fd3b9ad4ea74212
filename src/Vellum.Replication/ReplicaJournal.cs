using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Replication;

/// <summary>
/// One journal a target receives: its replica store (DIR/&lt;journal id&gt;), which at most one
/// source session writes at a time, and the highest transaction id whose END it holds.
/// </summary>
public sealed class ReplicaJournal : IDisposable
{
    private readonly Lock _lock = new();
    private ulong _highestEnded;
    private bool _busy;

    internal ReplicaJournal(Guid id, SegmentStore store)
    {
        Id = id;
        Store = store;
    }

    public Guid Id { get; }

    public SegmentStore Store { get; }

    /// <summary>Takes the journal for one session; false when another session has it.</summary>
    internal bool TryAcquire()
    {
        lock (_lock)
        {
            if (_busy)
                return false;
            _busy = true;
            return true;
        }
    }

    internal void Release()
    {
        lock (_lock)
            _busy = false;
    }

    /// <summary>Appends received records (see <see cref="SegmentStore.AppendReplicated"/>) and notes the transactions they end.</summary>
    internal void Append(ReadOnlySpan<byte> records)
    {
        Store.AppendReplicated(records);
        var highest = HighestEnded(records);
        lock (_lock)
            _highestEnded = Math.Max(_highestEnded, highest);
    }

    /// <summary>The written position and the highest transaction ended below it, read together.</summary>
    internal (long Written, ulong HighestEnded) Snapshot()
    {
        lock (_lock)
            return (Store.WrittenPosition, _highestEnded);
    }

    private static ulong HighestEnded(ReadOnlySpan<byte> records)
    {
        ulong highest = 0;
        for (var offset = 0; offset < records.Length;)
        {
            var header = RecordHeader.Parse(records[offset..]);
            if (header.IsEnd && StreamId.IsTransaction(header.Id))
                highest = Math.Max(highest, header.TransactionId);
            offset += JournalFormat.AlignedRecordSize((int)header.RecordSize);
        }
        return highest;
    }

    public void Dispose() => Store.Dispose();
}
