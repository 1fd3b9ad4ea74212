using System.Buffers.Binary;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Fifo.Tests;

public sealed class FifoConcurrencyTests
{
    private const int Writers = 8;
    private const int PerWriter = 12_500;

    [Fact]
    public void Eight_writers_through_a_64_KiB_fifo_deliver_every_transaction_whole_once_and_in_each_writers_order()
    {
        var sink = new CaptureSink();
        using (var fifo = new MemoryFifo(sink, new FifoOptions { Size = 1 << 16 }))
        {
            fifo.WriteSyncPoint(JournalHeader.Create(Guid.NewGuid(), 1, "host", "/"));
            using var start = new Barrier(Writers);
            var failures = new List<Exception>();
            var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
            {
                try
                {
                    using var writer = fifo.CreateWriter();
                    start.SignalAndWait();
                    for (var sequence = 0; sequence < PerWriter; sequence++)
                    {
                        var operation = OperationFor(w, sequence);
                        writer.Begin(OperationEncoder.EncodedSize(operation));
                        writer.Write(operation);
                        writer.Commit();
                    }
                }
                catch (Exception failure)
                {
                    lock (failures)
                        failures.Add(failure);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(failures);
        }

        var result = JournalScanner.ReadAll(sink.Bytes);

        Assert.Null(result.Error);
        Assert.Empty(result.IncompleteTransactions);
        var next = new int[Writers];
        var large = 0;
        foreach (var transaction in result.Entries.OfType<TransactionEntry>())
        {
            var operation = Assert.Single(transaction.Operations);
            var (writer, sequence) = Parse(operation.Path!);
            Assert.Equal(next[writer], sequence);
            next[writer]++;
            var expected = OperationFor(writer, sequence);
            Assert.Equal(expected.Redo?.Data?.ToArray(), operation.Redo?.Data?.ToArray());
            large += operation.Redo?.Data?.Length > 1 << 16 ? 1 : 0;
        }
        Assert.All(next, count => Assert.Equal(PerWriter, count));
        Assert.True(large >= Writers * (PerWriter / 1000), $"only {large} transactions were larger than the FIFO");
    }

    /// <summary>Mostly small metadata, every 500th a write bigger than the whole FIFO, all derived from (writer, sequence).</summary>
    private static JournalOperation OperationFor(int writer, int sequence)
    {
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Write,
            Time = new JournalTimestamp(sequence, 0),
            Credentials = new Credentials { Uid = (uint)writer, Gid = 0, Pid = (uint)sequence },
            Path = Encoding.ASCII.GetBytes($"w{writer}/{sequence}"),
        };
        var size = sequence % 500 == 0 ? 100_000 + sequence : sequence % 7 * 40;
        var data = new byte[size];
        new Random(writer * 1_000_003 + sequence).NextBytes(data);
        if (data.Length >= 4)
            BinaryPrimitives.WriteInt32LittleEndian(data, sequence);
        operation.Redo = new OperationState { Offset = 0, Data = data };
        return operation;
    }

    private static (int Writer, int Sequence) Parse(byte[] path)
    {
        var parts = Encoding.ASCII.GetString(path)[1..].Split('/');
        return (int.Parse(parts[0]), int.Parse(parts[1]));
    }
}
