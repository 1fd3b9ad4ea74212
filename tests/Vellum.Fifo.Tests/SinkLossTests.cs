namespace Vellum.Fifo.Tests;

/// <summary>A sink that loses what it had taken but not acknowledged (a disk that filled up while syncing it).</summary>
public sealed class SinkLossTests
{
    private static readonly TimeSpan Never = Timeout.InfiniteTimeSpan;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Records_a_sink_lost_before_acknowledging_them_are_sent_again_from_the_ring_and_none_twice()
    {
        var sink = new ForgetfulSink();
        using var fifo = new MemoryFifo(sink, new FifoOptions { Size = 4096, Heartbeat = Never, FullRetry = Never, BeginHeadroom = 512 });
        sink.Fifo = fifo;
        using var writer = fifo.CreateWriter();
        var firstId = writer.Begin();
        writer.Write(SampleOperations.Create("first"));
        var first = writer.Commit();
        fifo.RequestFlush(first);
        fifo.WaitForFlushed(first);
        Assert.Equal(first, fifo.AcknowledgedPosition);

        sink.LoseAtFlush = true;
        var secondId = writer.Begin();
        writer.Write(SampleOperations.Create("second"));
        var second = writer.Commit();
        fifo.RequestFlush(second);
        Assert.Throws<SinkFullException>(() => fifo.WaitForFlushed(second));
        Assert.True(fifo.Full?.Message.Contains("lost", StringComparison.Ordinal));
        Assert.Equal(first, fifo.AcknowledgedPosition);
        Assert.Throws<SinkFullException>(() => writer.Begin());

        sink.LoseAtFlush = false;
        fifo.RequestFlush(second);
        Assert.True(SpinWait.SpinUntil(() => fifo.Full is null, Patience), "the FIFO stayed full after the sink's flushes worked again");
        fifo.WaitForFlushed(second);
        Assert.Equal(second, fifo.AcknowledgedPosition);

        var records = SinkRecords.Parse(sink.Kept);
        Assert.Equal([firstId, secondId], records.Select(r => r.Header.TransactionId));
    }

    /// <summary>Keeps a write only once a flush made it durable; a failing flush loses every write since the last.</summary>
    private sealed class ForgetfulSink : IJournalSink
    {
        private readonly MemoryStream _kept = new();
        private readonly MemoryStream _pending = new();
        private ulong _pendingEnd;

        public MemoryFifo? Fifo { get; set; }

        public bool LoseAtFlush { get; set; }

        public bool AcknowledgesWhenDurable => true;

        public byte[] Kept => _kept.ToArray();

        public void Write(ReadOnlySpan<byte> records, ulong endPosition)
        {
            _pending.Write(records);
            _pendingEnd = endPosition;
        }

        public void Flush()
        {
            if (LoseAtFlush)
            {
                _pending.SetLength(0);
                throw new SinkFullException("sync: No space left on device; what it was to write is lost") { LostUnacknowledged = true };
            }
            _pending.WriteTo(_kept);
            _pending.SetLength(0);
            if (_pendingEnd > Fifo!.AcknowledgedPosition)
                Fifo.Acknowledge(_pendingEnd);
        }
    }
}
