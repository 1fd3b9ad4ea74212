using System.Buffers.Binary;
using System.Diagnostics;
using Vellum.Journal.Format;

namespace Vellum.Fifo;

/// <summary>
/// The FIFO's drain thread: hands the longest run of committed records to the sink in one
/// call, sealing each record's CRC on the way so writers of small records never pay for it
/// (a writer that streamed data checksummed it while copying; see <see cref="ChecksummedSpan"/>). It stops at the
/// first record still being filled and at the end of the ring, and skips pads.
/// </summary>
internal sealed class FifoDrain
{
    private readonly MemoryFifo _fifo;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _writes;
    private long _wakeups;

    public FifoDrain(MemoryFifo fifo)
    {
        _fifo = fifo;
        _thread = new Thread(Run) { IsBackground = true, Name = "vellum-fifo-drain" };
        _thread.Start();
    }

    public long Writes => Volatile.Read(ref _writes);

    public long Wakeups => Volatile.Read(ref _wakeups);

    public void Stop()
    {
        _stopping = true;
        _fifo.DrainSignal.Set();
        _thread.Join();
    }

    private void Run()
    {
        var signal = _fifo.DrainSignal;
        var workWaiting = false;
        while (true)
        {
            if (!workWaiting)
            {
                signal.Wait(_fifo.Full is null ? _fifo.Options.Heartbeat : _fifo.Options.FullRetry);
                Interlocked.Increment(ref _wakeups);
            }
            // Read before draining: a stop requested before this pass still gets a full pass.
            var stopping = _stopping;
            signal.Reset();
            bool sentAll;
            bool sentAny;
            bool flushed;
            try
            {
                sentAll = TrySendCommitted(out sentAny);
                flushed = FlushIfAsked();
            }
            catch (Exception failure)
            {
                _fifo.Fail(failure);
                return;
            }
            // Stopping with the sink full leaves the records in the ring, where the next
            // start finds them (a ring file) as after a crash.
            if (stopping)
                return;
            // After a flush the committer that asked for it is being woken, and its next
            // records are a request away: spinning would only take a core from it.
            workWaiting = sentAll && sentAny && !flushed && SpinForWork();
        }
    }

    /// <summary>
    /// Sends every run of committed records (see <see cref="DrainCommitted"/>); false when
    /// the sink was full, which puts the FIFO in its full state until a later pass gets
    /// every record through. While full, a pass also flushes the sink: a disk that failed a
    /// sync for lack of space has room again only once a sync works.
    /// </summary>
    private bool TrySendCommitted(out bool sentAny)
    {
        var start = _fifo.SentPosition;
        try
        {
            DrainCommitted();
            if (_fifo.Full is not null)
                FlushSink();
        }
        catch (SinkFullException full)
        {
            SinkIsFull(full);
            sentAny = _fifo.SentPosition != start;
            return false;
        }
        sentAny = _fifo.SentPosition != start;
        if (_fifo.Full is not null)
            _fifo.ClearFull();
        return true;
    }

    /// <summary>Records the sink's refusal: the FIFO is full, and what the sink lost is sent again.</summary>
    private void SinkIsFull(SinkFullException full)
    {
        if (full.LostUnacknowledged)
            _fifo.RewindSentToAcknowledged();
        if (_fifo.Full is null)
            _fifo.MarkFull(full);
    }

    // Under a steady stream the ring refills within microseconds: waiting for that by
    // spinning saves a blocked writer and this thread a wake-up each. It waits for the same
    // condition a commit would wake it for, so runs stay long.
    private bool SpinForWork()
    {
        var spinner = default(SpinWait);
        var deadline = Stopwatch.GetTimestamp() + MemoryFifo.SpinTicks;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_fifo.DrainIsWorthWaking)
                return true;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return false;
    }

    /// <summary>Sends every run of committed records.</summary>
    private void DrainCommitted()
    {
        var ring = _fifo.Ring;
        var acknowledgeOnWrite = !_fifo.Sink.AcknowledgesWhenDurable;
        var position = _fifo.SentPosition;
        while (TryCommittedAt(position, out var offset))
        {
            if (RingHeader.StreamField(ring, offset) == StreamId.Pad)
            {
                position += (ulong)JournalFormat.AlignedRecordSize(RingHeader.RecordSize(ring, offset));
                _fifo.MarkSent(position, acknowledgeOnWrite);
                continue;
            }
            var runBytes = SealRun(position, offset);
            _fifo.Sink.Write(ring.AsSpan(offset, runBytes), position + (ulong)runBytes);
            Interlocked.Increment(ref _writes);
            position += (ulong)runBytes;
            _fifo.MarkSent(position, acknowledgeOnWrite);
        }
    }

    /// <summary>
    /// Flushes the sink on this thread when a flush is due, or the ring's space waits for a
    /// sink that acknowledges only what it made durable, and records were sent since the last
    /// one: a committer that asked (an fsync) is then woken once, with its records durable,
    /// instead of being woken to sync them itself. Says whether it flushed.
    /// </summary>
    private bool FlushIfAsked()
    {
        if (!(_fifo.FlushDue || _fifo.SpaceWaitsForDurability) || _fifo.SentPosition <= _fifo.FlushedPosition)
            return false;
        try
        {
            FlushSink();
        }
        catch (SinkFullException full)
        {
            SinkIsFull(full);
        }
        return true;
    }

    private void FlushSink()
    {
        var sent = _fifo.SentPosition;
        _fifo.Sink.Flush();
        _fifo.MarkFlushed(sent);
    }

    /// <summary>Seals consecutive committed records from <paramref name="offset"/> and returns their length.</summary>
    private int SealRun(ulong position, int offset)
    {
        var ring = _fifo.Ring;
        var toEnd = ring.Length - offset;
        var runBytes = 0;
        do
        {
            var at = offset + runBytes;
            var recordSize = RingHeader.RecordSize(ring, at);
            var aligned = JournalFormat.AlignedRecordSize(recordSize);
            var reserved = ring.AsSpan(at + RingHeader.TrailerReservedOffset(recordSize));
            if (BinaryPrimitives.ReadUInt16LittleEndian(reserved) == RingHeader.SealedByWriter)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(reserved, 0);
            }
            else
            {
                var crc = Crc32C.Compute(ring.AsSpan(at, recordSize - JournalFormat.TrailerSize));
                BinaryPrimitives.WriteUInt32LittleEndian(ring.AsSpan(at + aligned - 8), crc);
            }
            runBytes += aligned;
        }
        while (runBytes < toEnd
            && TryCommittedAt(position + (ulong)runBytes, out var next)
            && RingHeader.StreamField(ring, next) != StreamId.Pad);
        return runBytes;
    }

    // The written position is read before each record's magic, after the previous record's
    // magic: a writer that shrank its record did so before publishing it, so the bound seen
    // here never includes space given back.
    private bool TryCommittedAt(ulong position, out int offset)
    {
        offset = _fifo.OffsetOf(position);
        return position < _fifo.WrittenPosition
            && RingHeader.ReadMagic(_fifo.Ring, offset) == JournalFormat.BeginMagic;
    }
}
