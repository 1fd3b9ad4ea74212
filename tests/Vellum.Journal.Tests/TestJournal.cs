using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

using Vellum.Testing;

namespace Vellum.Journal.Tests;

internal sealed record PlannedTransaction(IReadOnlyList<JournalOperation> Operations, bool Aborted = false);

public enum NestedSizes
{
    Exact,
    Unknown,

    /// <summary>Each operation picks one of the two.</summary>
    Mixed,
}

/// <summary>
/// Writes journals the way a writer would: a sync point, then transactions whose payloads are
/// cut into records at random byte boundaries and interleaved on several stream ids, with pads,
/// annotations and aborted transactions in between. Keeps the entries a reader must return.
/// </summary>
internal sealed class TestJournal
{
    private readonly MemoryStream _bytes = new();
    private readonly List<JournalEntry> _expected = [];

    public TestJournal(bool reversible = false, ulong lastBegun = 0)
    {
        Header = new JournalHeader(JournalFormat.Version, JournalFormat.MinCompatibleVersion,
            reversible ? JournalFlags.Reversible : JournalFlags.None, new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
            lastBegun + 1, new JournalTimestamp(1_700_000_000, 123_456_789), "source-host", "/srv/data");
        LastBegun = lastBegun;
        var payload = new byte[Header.EncodedSize];
        Header.Format(payload);
        var offset = AddRecord(StreamId.SyncPoint | StreamId.Begin | StreamId.End, lastBegun, payload);
        _expected.Add(new SyncPointEntry(offset, Header));
    }

    public JournalHeader Header { get; }

    /// <summary>The most recent BEGIN id, which control records repeat.</summary>
    public ulong LastBegun { get; set; }

    public List<long> RecordOffsets { get; } = [];

    /// <summary>What a reader must return, in order.</summary>
    public IReadOnlyList<JournalEntry> Expected => _expected;

    public long Length => _bytes.Length;

    public byte[] ToArray() => _bytes.ToArray();

    public static TestJournal Random(int seed, int transactions, int maxData = 2000, bool reversible = false, double abortChance = 0.1)
    {
        var rng = new Random(seed);
        var journal = new TestJournal(reversible, (ulong)rng.Next(3));
        var plans = Enumerable.Range(0, transactions)
            .Select(_ => new PlannedTransaction(RandomOperations.Many(rng, 1 + rng.Next(3), reversible, maxData), rng.NextDouble() < abortChance))
            .ToList();
        journal.AddTransactions(rng, plans);
        return journal;
    }

    public long AddRecord(int streamField, ulong transactionId, ReadOnlySpan<byte> payload)
    {
        var offset = _bytes.Length;
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.Write(record, (ushort)streamField, transactionId, payload);
        _bytes.Write(record);
        RecordOffsets.Add(offset);
        return offset;
    }

    public long AddControl(ushort streamId, ReadOnlySpan<byte> payload) =>
        AddRecord(streamId | StreamId.Begin | StreamId.End, LastBegun, payload);

    public void AddPad(Random rng, int length)
    {
        var payload = new byte[length];
        rng.NextBytes(payload);
        AddRecord(StreamId.Pad, (ulong)rng.NextInt64(), payload);
    }

    public void AddAnnotation(string text)
    {
        var offset = AddControl(StreamId.Annotation, Encoding.UTF8.GetBytes(text));
        _expected.Add(new AnnotationEntry(offset, text));
    }

    public static byte[] Encode(Random rng, IEnumerable<JournalOperation> operations, NestedSizes sizes = NestedSizes.Mixed)
    {
        var payload = new MemoryStream();
        foreach (var operation in operations)
        {
            var unknown = sizes == NestedSizes.Unknown || (sizes == NestedSizes.Mixed && rng.Next(2) == 0);
            var buffer = new SubRecordBuffer(unknown);
            OperationEncoder.Encode(buffer, operation);
            payload.Write(buffer.Payload);
        }
        return payload.ToArray();
    }

    /// <summary>Writes the transactions interleaved, at most <paramref name="maxOpen"/> open at once.</summary>
    public void AddTransactions(Random rng, IReadOnlyList<PlannedTransaction> plans, int maxOpen = 4, double controlChance = 0.08, NestedSizes sizes = NestedSizes.Mixed)
    {
        var pending = new Queue<PlannedTransaction>(plans);
        var open = new List<OpenTransaction>();
        while (pending.Count > 0 || open.Count > 0)
        {
            if (rng.NextDouble() < controlChance)
            {
                if (rng.Next(2) == 0)
                    AddPad(rng, rng.Next(4) == 0 ? rng.Next(2000) : rng.Next(40));
                else
                    AddAnnotation($"note {rng.Next()} ü");
            }
            if (pending.Count > 0 && (open.Count == 0 || (open.Count < maxOpen && rng.Next(3) == 0)))
            {
                var plan = pending.Dequeue();
                var payload = Encode(rng, plan.Operations, sizes);
                if (plan.Aborted)
                    payload = payload[..rng.Next(payload.Length + 1)];
                ushort streamId;
                do
                {
                    streamId = (ushort)rng.Next(StreamId.FirstTransaction, StreamId.LastTransaction + 1);
                }
                while (open.Any(o => o.StreamId == streamId));
                LastBegun += 1 + (ulong)(rng.Next(4) == 0 ? rng.Next(1000) : 0);
                var transaction = new OpenTransaction(plan, payload, streamId, LastBegun);
                open.Add(transaction);
                EmitChunk(rng, transaction, open);
            }
            else
            {
                EmitChunk(rng, open[rng.Next(open.Count)], open);
            }
        }
    }

    private void EmitChunk(Random rng, OpenTransaction transaction, List<OpenTransaction> open)
    {
        var remaining = transaction.Payload.Length - transaction.Position;
        var size = Math.Min(remaining, Math.Min(JournalFormat.MaxPayloadSize, rng.Next(6) switch
        {
            0 => 0,
            1 => 1 + rng.Next(8),
            2 => 1 + rng.Next(64),
            3 => 1 + rng.Next(1024),
            4 => 1 + rng.Next(65536),
            _ => remaining,
        }));
        var begin = transaction.Position == 0 && transaction.BeginOffset < 0;
        // Sometimes the END goes out later, in a record of its own.
        var end = transaction.Position + size == transaction.Payload.Length && rng.Next(5) != 0;
        var field = transaction.StreamId | (begin ? StreamId.Begin : 0) | (end ? StreamId.End : 0) | (end && transaction.Plan.Aborted ? StreamId.Aborted : 0);
        var offset = AddRecord(field, transaction.TransactionId, transaction.Payload.AsSpan(transaction.Position, size));
        transaction.Position += size;
        if (begin)
            transaction.BeginOffset = offset;
        if (!end)
            return;
        open.Remove(transaction);
        _expected.Add(transaction.Plan.Aborted
            ? new AbortedTransactionEntry(offset, transaction.TransactionId, transaction.StreamId)
            : new TransactionEntry(offset, transaction.TransactionId, transaction.StreamId, transaction.BeginOffset, transaction.Plan.Operations));
    }

    private sealed class OpenTransaction(PlannedTransaction plan, byte[] payload, ushort streamId, ulong transactionId)
    {
        public PlannedTransaction Plan => plan;

        public byte[] Payload => payload;

        public ushort StreamId => streamId;

        public ulong TransactionId => transactionId;

        public int Position { get; set; }

        public long BeginOffset { get; set; } = -1;
    }
}
