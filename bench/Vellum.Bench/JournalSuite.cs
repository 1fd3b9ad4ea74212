using System.Diagnostics;
using System.Text;
using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Bench;

/// <summary>
/// Suite "journal": transactions through TransactionWriter, MemoryFifo and the drain thread
/// into a sink that discards them, against plain copies of the same bytes.
/// </summary>
public static class JournalSuite
{
    private const int FifoSize = 1 << 20;
    private const int LargeData = 128 * 1024;

    public static Task RunAsync(BenchOptions options, BenchReport report)
    {
        var small = SmallOperation(0);
        var smallRecordBytes = RecordCodec.AlignedSizeFor(PayloadSize(small));
        Console.WriteLine($"small transaction: {PayloadSize(small)} payload bytes, {smallRecordBytes} in the stream");

        var (oneWriter, allocated) = RunTransactions(options, 1, SmallOperation);
        report.Add("small_txn_per_s", oneWriter, "txn/s", "1 writer; target >= 1,500,000");
        var (twoWriters, _) = RunTransactions(options, 2, SmallOperation);
        report.Add("small_txn_per_s_2w", twoWriters, "txn/s", "2 writers");
        var copies = CopyRate(options, smallRecordBytes);
        report.Add("small_copy_per_s", copies, "copies/s", $"anchor: memcpy of {smallRecordBytes} B into a ring");
        report.Add("small_vs_memcpy", oneWriter / copies, "ratio");
        report.Add("alloc_bytes_per_txn", allocated, "bytes", "writer thread, after warm-up; target 0");

        var (large, _) = RunTransactions(options, 1, LargeOperation);
        var largeBytes = large * LargeData;
        var memcpy = CopyRate(options, LargeData) * LargeData;
        report.Add("large_mb_per_s", largeBytes / 1e6, "MB/s", "128 KiB write transactions, data bytes");
        report.Add("memcpy_mb_per_s", memcpy / 1e6, "MB/s", "anchor: memcpy of 128 KiB into a 1 MiB ring");
        report.Add("large_vs_memcpy", largeBytes / memcpy, "ratio", "target >= 0.7");
        return Task.CompletedTask;
    }

    /// <summary>Runs writers for the measuring time; returns transactions per second and bytes allocated per transaction by the first writer.</summary>
    private static (double PerSecond, double AllocatedPerTransaction) RunTransactions(BenchOptions options, int writers, Func<int, JournalOperation> operationFor)
    {
        var sink = new NullSink();
        using var fifo = new MemoryFifo(sink, new FifoOptions { Size = FifoSize });
        fifo.WriteSyncPoint(JournalHeader.Create(Guid.NewGuid(), 1, "bench", "/"));
        var counts = new long[writers];
        var ends = new ulong[writers];
        var allocated = new long[writers];
        using var start = new Barrier(writers + 1);
        var stop = false;
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            using var writer = fifo.CreateWriter();
            var operation = operationFor(w);
            var hint = OperationEncoder.EncodedSize(operation);
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < options.WarmUpFor)
                ends[w] = WriteOne(writer, operation, hint);
            start.SignalAndWait();
            var before = GC.GetAllocatedBytesForCurrentThread();
            long count = 0;
            while (!Volatile.Read(ref stop))
            {
                for (var i = 0; i < 256; i++)
                    ends[w] = WriteOne(writer, operation, hint);
                count += 256;
            }
            allocated[w] = GC.GetAllocatedBytesForCurrentThread() - before;
            counts[w] = count;
        }) { Name = $"bench-writer-{w}" }).ToList();
        threads.ForEach(t => t.Start());
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(options.MeasureFor);
        Volatile.Write(ref stop, true);
        threads.ForEach(t => t.Join());
        fifo.WaitForSent(ends.Max());
        var elapsed = clock.Elapsed.TotalSeconds;
        var total = counts.Sum();
        Console.WriteLine($"{writers} writer(s): {total:N0} transactions in {elapsed:F2} s, {fifo.Stalls:N0} stalls, {fifo.DrainWrites:N0} sink writes, {fifo.DrainWakeups:N0} drain wake-ups");
        return (total / elapsed, (double)allocated[0] / counts[0]);
    }

    private static ulong WriteOne(TransactionWriter writer, JournalOperation operation, long hint)
    {
        writer.Begin(hint);
        writer.Write(operation);
        return writer.Commit();
    }

    /// <summary>Copies of a block of this size per second into a ring of the FIFO's size: what moving the bytes alone costs.</summary>
    private static double CopyRate(BenchOptions options, int size)
    {
        var source = new byte[size];
        Random.Shared.NextBytes(source);
        var ring = GC.AllocateUninitializedArray<byte>(FifoSize, pinned: true);
        var offset = 0;
        long copies = 0;
        var clock = Stopwatch.StartNew();
        var measureFrom = options.WarmUpFor;
        var measureTo = options.WarmUpFor + options.MeasureFor;
        TimeSpan start = default;
        while (true)
        {
            for (var i = 0; i < 256; i++)
            {
                if (offset + size > FifoSize)
                    offset = 0;
                source.CopyTo(ring.AsSpan(offset, size));
                offset += size;
            }
            var now = clock.Elapsed;
            if (now < measureFrom)
                continue;
            if (start == default)
            {
                start = now;
                continue;
            }
            copies += 256;
            if (now >= measureTo)
                return copies / (now - start).TotalSeconds;
        }
    }

    private static int PayloadSize(JournalOperation operation)
    {
        var buffer = new SubRecordBuffer();
        OperationEncoder.Encode(buffer, operation);
        return buffer.Payload.Length;
    }

    /// <summary>A create of a file by a user process: about 200 bytes of metadata.</summary>
    private static JournalOperation SmallOperation(int writer) => new()
    {
        Kind = SubRecordType.Create,
        Time = JournalTimestamp.Now(),
        Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 4242, Command = "bench"u8.ToArray() },
        Path = Encoding.UTF8.GetBytes($"projects/w{writer}/file-00001"),
        Inode = 1_234_567,
        Generation = 1,
        Redo = new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4, Uid = 1000, Gid = 1000 } },
    };

    private static JournalOperation LargeOperation(int writer)
    {
        var data = new byte[LargeData];
        Random.Shared.NextBytes(data);
        return new JournalOperation
        {
            Kind = SubRecordType.Write,
            Time = JournalTimestamp.Now(),
            Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 4242, Command = "bench"u8.ToArray() },
            Path = Encoding.UTF8.GetBytes($"data/w{writer}.bin"),
            Inode = 7_654_321,
            Redo = new OperationState { Offset = 0, Data = data },
        };
    }
}
