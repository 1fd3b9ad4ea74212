using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Testing;

namespace Vellum.Fifo.Tests;

/// <summary>Operations written through the FIFO and read back by the scanner come out as they went in.</summary>
public sealed class FifoRoundTripTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void Random_operations_through_a_small_fifo_read_back_equal(bool reversible, int seed)
    {
        var rng = new Random(seed);
        var sink = new CaptureSink();
        var expected = new List<(ulong Id, List<JournalOperation> Operations)>();
        var aborted = new List<ulong>();
        using (var fifo = new MemoryFifo(sink, new FifoOptions { Size = 1 << 16 }))
        {
            fifo.WriteSyncPoint(JournalHeader.Create(Guid.NewGuid(), 1, "host", "/mnt", reversible ? JournalFlags.Reversible : JournalFlags.None));
            using var writer = fifo.CreateWriter();
            for (var i = 0; i < 120; i++)
            {
                var operations = RandomOperations.Many(rng, rng.Next(1, 4), reversible, maxData: 3 << 20);
                var id = writer.Begin(rng.Next(2) == 0 ? 0 : operations.Sum(OperationEncoder.EncodedSize));
                foreach (var operation in operations)
                    writer.Write(operation);
                if (rng.Next(12) == 0)
                {
                    writer.Abort();
                    aborted.Add(id);
                }
                else
                {
                    writer.Commit();
                    expected.Add((id, operations));
                }
            }
        }

        var result = JournalScanner.ReadAll(sink.Bytes);

        Assert.Null(result.Error);
        Assert.Empty(result.IncompleteTransactions);
        Assert.Equal(reversible, result.Header!.IsReversible);
        var transactions = result.Entries.OfType<TransactionEntry>().ToList();
        Assert.Equal(expected.Select(e => e.Id), transactions.Select(t => t.TransactionId));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Operations.Count, transactions[i].Operations.Count);
            for (var j = 0; j < expected[i].Operations.Count; j++)
                Assert.Null(OperationComparer.FirstDifference(expected[i].Operations[j], transactions[i].Operations[j]));
        }
        // An abort that could take its space back leaves no trace; the others are reported.
        Assert.All(result.Entries.OfType<AbortedTransactionEntry>(), a => Assert.Contains(a.TransactionId, aborted));
    }

    [Fact]
    public void A_transaction_larger_than_the_fifo_uses_the_unknown_size_form_and_reads_back_whole()
    {
        var sink = new CaptureSink();
        var data = new byte[700_000];
        new Random(5).NextBytes(data);
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Write,
            Time = new JournalTimestamp(1_800_000_000, 1),
            Path = "big.bin"u8.ToArray(),
            Redo = new OperationState { Offset = 4096, Data = data, Attributes = new NodeAttributes { Size = 704_096 } },
        };
        using (var fifo = new MemoryFifo(sink, new FifoOptions { Size = 1 << 16 }))
        {
            fifo.WriteSyncPoint(JournalHeader.Create(Guid.NewGuid(), 1, "host", "/"));
            using var writer = fifo.CreateWriter();
            writer.Begin(256);
            // Fed in odd-sized pieces, as a FUSE write of several pages would arrive.
            writer.Push(SubRecordType.Write);
            writer.WriteLeaf(SubRecordType.Time, operation.Time);
            writer.Push(SubRecordType.Cred);
            writer.WriteLeaf(SubRecordType.Uid, 0u);
            writer.WriteLeaf(SubRecordType.Gid, 0u);
            writer.WriteLeaf(SubRecordType.Pid, 0u);
            writer.Pop();
            writer.WriteLeaf(SubRecordType.Path, operation.Path);
            writer.Push(SubRecordType.Redo);
            writer.Push(SubRecordType.Attr);
            writer.WriteLeaf(SubRecordType.Size, 704_096UL);
            writer.Pop();
            writer.WriteLeaf(SubRecordType.Offset, 4096UL);
            writer.BeginLeaf(SubRecordType.Data, data.Length);
            for (var at = 0; at < data.Length; at += 4093)
                writer.WriteLeafData(data.AsSpan(at, Math.Min(4093, data.Length - at)));
            writer.Pop();
            writer.Pop();
            writer.Commit();
        }

        var records = SinkRecords.Parse(sink.Bytes);
        Assert.True(records.Count > 10, "the transaction was split into many records");
        var opHeader = SubRecordHeader.Parse(records[1].Payload);
        Assert.Equal(SubRecordType.Write, opHeader.Type);
        Assert.Equal(JournalFormat.UnknownSubRecordSize, opHeader.Size);

        var result = JournalScanner.ReadAll(sink.Bytes);
        Assert.Null(result.Error);
        var read = Assert.Single(Assert.Single(result.Entries.OfType<TransactionEntry>()).Operations);
        Assert.Equal(data, read.Redo!.Data!.Value.ToArray());
        Assert.Equal(704_096UL, read.Redo.Attributes!.Size);
    }

    [Fact]
    public void Aborting_a_transaction_after_part_of_it_left_yields_an_aborted_entry_and_no_operation()
    {
        var sink = new CaptureSink();
        using (var fifo = new MemoryFifo(sink, new FifoOptions { Size = 1 << 14 }))
        {
            fifo.WriteSyncPoint(JournalHeader.Create(Guid.NewGuid(), 1, "host", "/"));
            using var writer = fifo.CreateWriter();
            var id = writer.Begin();
            writer.Push(SubRecordType.Write);
            writer.WriteLeaf(SubRecordType.Time, new JournalTimestamp(1, 0));
            writer.Push(SubRecordType.Cred);
            writer.WriteLeaf(SubRecordType.Uid, 0u);
            writer.WriteLeaf(SubRecordType.Gid, 0u);
            writer.WriteLeaf(SubRecordType.Pid, 0u);
            writer.Pop();
            writer.Push(SubRecordType.Redo);
            writer.BeginLeaf(SubRecordType.Data, 100_000);
            writer.WriteLeafData(new byte[60_000]);
            writer.Abort();
            Assert.Equal(id, writer.TransactionId);
        }

        var result = JournalScanner.ReadAll(sink.Bytes);

        Assert.Null(result.Error);
        Assert.Single(result.Entries.OfType<AbortedTransactionEntry>());
        Assert.Empty(result.Entries.OfType<TransactionEntry>());
    }
}
