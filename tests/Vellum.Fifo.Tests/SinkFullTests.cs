using Vellum.Journal.Format;

namespace Vellum.Fifo.Tests;

/// <summary>A sink with no room (a full disk) pauses the FIFO instead of stopping it.</summary>
public sealed class SinkFullTests
{
    private static readonly TimeSpan Never = Timeout.InfiniteTimeSpan;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_full_sink_refuses_new_transactions_lets_open_ones_end_and_gets_every_record_once_there_is_room()
    {
        var sink = new CaptureSink();
        using var fifo = new MemoryFifo(sink, new FifoOptions { Size = 4096, Heartbeat = Never, FullRetry = Never, BeginHeadroom = 512 });
        var changes = new List<SinkFullException?>();
        using var turnedFull = new ManualResetEventSlim();
        using var roomAgain = new ManualResetEventSlim();
        fifo.FullChanged += full =>
        {
            lock (changes)
                changes.Add(full);
            (full is null ? roomAgain : turnedFull).Set();
        };
        using var open = fifo.CreateWriter();
        using var other = fifo.CreateWriter();
        var openId = open.Begin();
        open.Write(SampleOperations.Create("open"));
        var published = open.Publish();
        fifo.WaitForSent(published);

        sink.FailWith = new SinkFullException("pwrite segment at byte 8192: No space left on device (errno 28)");
        var committedId = other.Begin();
        other.Write(SampleOperations.Create("committed"));
        var committed = other.Commit();
        fifo.RequestFlush(committed);
        Assert.True(turnedFull.Wait(Patience), "the drain never found the sink full");

        Assert.Contains("No space left on device", fifo.Full?.Message);
        Assert.Null(fifo.Failure);
        var refused = Assert.Throws<SinkFullException>(() => other.Begin());
        Assert.Contains("No space left on device", refused.Message);
        Assert.Throws<SinkFullException>(() => fifo.WaitForFlushed(committed));
        fifo.WaitForFlushed(published);
        var ended = open.Commit();

        sink.FailWith = null;
        fifo.RequestFlush(ended);
        Assert.True(roomAgain.Wait(Patience), "the drain never offered the records again");
        fifo.WaitForFlushed(ended);
        Assert.Null(fifo.Full);
        var laterId = other.Begin();
        other.Write(SampleOperations.Create("later"));
        var later = other.Commit();
        fifo.RequestFlush(later);
        fifo.WaitForFlushed(later);

        var records = SinkRecords.Parse(sink.Bytes);
        Assert.Equal([openId, committedId, openId, laterId], records.Select(r => r.Header.TransactionId));
        Assert.Equal(open.StreamId | StreamId.Begin, records[0].Header.StreamField);
        Assert.Equal(open.StreamId | StreamId.End, records[2].Header.StreamField);
        lock (changes)
            Assert.Equal([false, true], changes.Select(full => full is null));
    }
}
