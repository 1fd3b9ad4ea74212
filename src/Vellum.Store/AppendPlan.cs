using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// Checks a run of records offered to <see cref="SegmentStore.Append"/> against the format
/// and against the store's state before any byte is written, so a rejected append leaves
/// nothing behind: whole valid records, BEGIN ids above every earlier one, one open
/// transaction per stream id, control records repeating the last BEGIN id. It collects the
/// BEGINs (for the index) and the transaction state changes, applied only after the write.
/// Reused across appends (under the append lock), so checking allocates nothing.
/// </summary>
internal sealed class AppendPlan
{
    private readonly Dictionary<ushort, ulong> _batch = [];

    /// <summary>(transaction id, offset in the run) of every BEGIN, in order.</summary>
    public List<CheckpointEntry> Begins { get; } = [];

    public ulong LastBegun { get; private set; }

    public void Check(ReadOnlySpan<byte> records, ulong lastBegun, Dictionary<ushort, ulong> open)
    {
        Begins.Clear();
        _batch.Clear();
        LastBegun = lastBegun;
        var offset = 0;
        while (offset < records.Length)
        {
            var frame = RecordFrame.Read(records[offset..], offset);
            var left = records.Length - offset;
            switch (frame.Status)
            {
                case FrameStatus.Incomplete when left < JournalFormat.HeaderSize:
                    throw Reject(offset, $"a {JournalFormat.HeaderSize}-byte record header", $"{left} bytes");
                case FrameStatus.Incomplete:
                    throw Reject(offset, $"{frame.Length} bytes of record", $"{left} bytes");
                case FrameStatus.Damaged:
                    throw Reject(offset, frame.Problem!.Value.Expected, frame.Problem.Value.Found);
            }
            CheckStream(frame.Header, offset, open);
            offset += frame.Length;
        }
    }

    /// <summary>Applies the checked run's transaction changes to the store's open set.</summary>
    public void Apply(Dictionary<ushort, ulong> open)
    {
        foreach (var (stream, id) in _batch)
        {
            if (id == 0)
                open.Remove(stream);
            else
                open[stream] = id;
        }
    }

    private void CheckStream(RecordHeader header, int offset, Dictionary<ushort, ulong> open)
    {
        var id = header.Id;
        if (id == StreamId.Pad)
            return;
        if (!StreamId.IsTransaction(id))
        {
            if (id is StreamId.Checkpoint or StreamId.SyncPoint || id >= StreamId.FirstReserved)
                throw Reject(offset, "transaction, annotation, discontinuity, ack or restart records (the store writes sync points and checkpoints itself)", $"stream id 0x{id:X4}");
            if (id != StreamId.Ack && header.TransactionId != LastBegun)
                throw Reject(offset, $"transaction id {LastBegun} (the last BEGIN) on a control record", $"{header.TransactionId}");
            return;
        }
        var current = _batch.TryGetValue(id, out var batched) ? batched : open.GetValueOrDefault(id);
        if (header.IsBegin)
        {
            if (current != 0)
                throw Reject(offset, $"no open transaction on stream 0x{id:X4} at a BEGIN record", $"transaction {current} still open");
            if (header.TransactionId <= LastBegun)
                throw Reject(offset, $"a transaction id above {LastBegun} (the last BEGIN)", $"{header.TransactionId}");
            LastBegun = header.TransactionId;
            Begins.Add(new CheckpointEntry(header.TransactionId, offset));
            current = header.TransactionId;
        }
        else if (current != header.TransactionId)
        {
            throw Reject(offset, current == 0 ? $"a BEGIN record on stream 0x{id:X4}" : $"transaction {current}, open on stream 0x{id:X4}", $"a record of transaction {header.TransactionId}");
        }
        _batch[id] = header.IsEnd ? 0 : current;
    }

    private static RecordsRejectedException Reject(int offset, string expected, string found) =>
        new($"appended records rejected at byte {offset} of the run: expected {expected}, found {found}; nothing was written", offset, $"expected {expected}, found {found}");
}
