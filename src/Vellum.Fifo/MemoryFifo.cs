using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using Vellum.Journal.Format;

namespace Vellum.Fifo;

/// <summary>
/// The journal's memory FIFO: a power-of-two ring that many writer threads reserve space in
/// concurrently and one drain thread empties into a sink (DragonFly's journal FIFO).
/// Positions count bytes since the FIFO started and never wrap:
/// written (reserved by writers) ≥ sent (handed to the sink) ≥ acknowledged (safe at the
/// sink). Space is reused only below the acknowledged position, so the ring still holds
/// everything a sink that acknowledges when durable (<see cref="IJournalSink.AcknowledgesWhenDurable"/>,
/// the journal's) has not made durable yet, and sends it again if the sink lost it.
/// </summary>
public sealed class MemoryFifo : IDisposable
{
    /// <summary>How long a blocked writer or an idle drain spins before sleeping: about 50 µs.</summary>
    internal static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly object _lock = new();
    private readonly object _progress = new();
    private readonly object _ackLock = new();
    private readonly ManualResetEventSlim _drainSignal = new(false);
    private readonly StreamIdPool _streamIds = new();
    private readonly FifoDrain _drain;
    private readonly int _mask;
    private readonly RingFile? _ringFile;

    // Written only under _lock; read by the drain with acquire semantics.
    private ulong _written;
    private ulong _sent;
    private ulong _acknowledged;
    private ulong _flushWanted;
    private ulong _flushed;
    private ulong _nextTransactionId;
    private ulong _lastTransactionId;
    private long _stalls;
    private int _spaceWaiters;
    private int _progressWaiters;
    private volatile Exception? _failure;
    private volatile SinkFullException? _full;

    public MemoryFifo(IJournalSink sink, FifoOptions? options = null)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the ring publishes little-endian magics with native stores");
        Options = options ?? new FifoOptions();
        if (Options.Size < 4096 || !BitOperations.IsPow2(Options.Size))
            throw new ArgumentOutOfRangeException(nameof(options), $"FIFO size {Options.Size} is not a power of two of at least 4096");
        if (Options.BeginHeadroom < 0 || Options.BeginHeadroom > Options.Size / 8)
            throw new ArgumentOutOfRangeException(nameof(options), $"begin headroom {Options.BeginHeadroom} is not between 0 and an eighth of the FIFO size {Options.Size}");
        if (Options.FirstTransactionId == 0)
            throw new ArgumentOutOfRangeException(nameof(options), "transaction ids start at 1 or above");
        _ringFile = Options.RingFile;
        if (_ringFile is not null && _ringFile.RingSize != Options.Size)
            throw new ArgumentOutOfRangeException(nameof(options), $"ring file {_ringFile.Path} holds {_ringFile.RingSize} bytes, the FIFO size is {Options.Size}");
        Ring = _ringFile is null ? RingMemory.Allocate(Options.Size) : RingMemory.Over(_ringFile);
        _mask = Options.Size - 1;
        _nextTransactionId = Options.FirstTransactionId;
        Sink = sink;
        MaxRecordSize = Math.Min(JournalFormat.MaxRecordSize, Options.Size / 4);
        _drain = new FifoDrain(this);
    }

    public FifoOptions Options { get; }

    public IJournalSink Sink { get; }

    /// <summary>
    /// The largest record this FIFO builds: a quarter of the ring, so one writer's records
    /// plus a wrap pad always fit and many writers progress together.
    /// </summary>
    public int MaxRecordSize { get; }

    public int MaxRecordPayload => MaxRecordSize - JournalFormat.MinRecordSize;

    public ulong WrittenPosition => Volatile.Read(ref _written);

    public ulong SentPosition => Volatile.Read(ref _sent);

    public ulong AcknowledgedPosition => Volatile.Read(ref _acknowledged);

    /// <summary>Times a writer found the ring full and had to wait.</summary>
    public long Stalls => Volatile.Read(ref _stalls);

    public long DrainWrites => _drain.Writes;

    public long DrainWakeups => _drain.Wakeups;

    /// <summary>The id the most recently begun transaction got (0 before the first).</summary>
    public ulong LastTransactionId => Volatile.Read(ref _lastTransactionId);

    /// <summary>Set when the sink threw; the FIFO accepts nothing after that.</summary>
    public Exception? Failure => _failure;

    /// <summary>
    /// The sink's <see cref="SinkFullException"/> while it has no room: records wait in the
    /// ring, new transactions are refused (records of open ones are still taken while the
    /// ring has space), and waits for records the sink does not have fail. Null otherwise.
    /// </summary>
    public SinkFullException? Full => _full;

    /// <summary>Raised on the drain thread when the sink threw and the FIFO stopped (see <see cref="Failure"/>).</summary>
    public event Action<Exception>? Failed;

    /// <summary>
    /// Raised on the drain thread when the sink turns out full (with its exception) and when it
    /// takes records again (with null).
    /// </summary>
    public event Action<SinkFullException?>? FullChanged;

    internal RingMemory Ring { get; }

    internal int Mask => _mask;

    internal ManualResetEventSlim DrainSignal => _drainSignal;

    public TransactionWriter CreateWriter() => new(this);

    /// <summary>Appends a sync point carrying <paramref name="header"/>; streams start with one.</summary>
    public ulong WriteSyncPoint(JournalHeader header)
    {
        Span<byte> payload = stackalloc byte[header.EncodedSize];
        header.Format(payload);
        return WriteControl(StreamId.SyncPoint, payload);
    }

    /// <summary>Appends a single-record control message and returns the position after it.</summary>
    public ulong WriteControl(ushort streamId, ReadOnlySpan<byte> payload)
    {
        if (StreamId.IsTransaction(streamId) || streamId == StreamId.Pad || streamId >= StreamId.FirstReserved)
            throw new ArgumentOutOfRangeException(nameof(streamId), $"stream id 0x{streamId:X4} is not a control stream");
        var recordSize = JournalFormat.MinRecordSize + payload.Length;
        if (recordSize > MaxRecordSize)
            throw new ArgumentOutOfRangeException(nameof(payload), $"control record of {recordSize} bytes exceeds this FIFO's {MaxRecordSize}");
        var position = Reserve((ushort)(streamId | StreamId.Begin | StreamId.End), recordSize, 0, out _);
        var offset = OffsetOf(position);
        payload.CopyTo(Ring.AsSpan(offset + JournalFormat.HeaderSize));
        return Commit(position, recordSize, recordSize, StreamId.Begin | StreamId.End);
    }

    /// <summary>
    /// Called by a sink that acknowledges when durable (<see cref="IJournalSink.AcknowledgesWhenDurable"/>):
    /// everything before <paramref name="position"/> is durable, and its ring space may be reused.
    /// </summary>
    public void Acknowledge(ulong position)
    {
        if (position > SentPosition)
            throw new ArgumentOutOfRangeException(nameof(position), $"acknowledged position {position} is beyond the sent position {SentPosition}");
        AdvanceAcknowledged(position);
    }

    /// <summary>Blocks until every record before <paramref name="position"/> has been handed to the sink.</summary>
    /// <remarks>A position beyond what was finally written (reservations shrink at commit) means everything written.</remarks>
    public void WaitForSent(ulong position, CancellationToken cancellationToken = default) =>
        WaitForProgress(ref _sent, position, cancellationToken);

    /// <summary>
    /// Asks the drain thread to flush the sink (<see cref="IJournalSink.Flush"/>) once it has
    /// sent every record before <paramref name="position"/>, and returns at once: the caller
    /// can do other work while the drain sends and flushes, then wait with
    /// <see cref="WaitForFlushed"/>. Requests made while a flush runs share the next one.
    /// </summary>
    public void RequestFlush(ulong position)
    {
        var wanted = Volatile.Read(ref _flushWanted);
        while (wanted < position)
        {
            var seen = Interlocked.CompareExchange(ref _flushWanted, position, wanted);
            if (seen == wanted)
                break;
            wanted = seen;
        }
        SignalDrain();
    }

    /// <summary>Blocks until the sink was flushed after every record before <paramref name="position"/> was sent (see <see cref="RequestFlush"/>).</summary>
    /// <remarks>As for <see cref="WaitForSent"/>, a position beyond what was finally written means everything written.</remarks>
    public void WaitForFlushed(ulong position, CancellationToken cancellationToken = default) =>
        WaitForProgress(ref _flushed, position, cancellationToken);

    /// <summary>Drains what is committed and stops the drain thread. Writers must be done.</summary>
    public void Dispose()
    {
        _drain.Stop();
        _drainSignal.Dispose();
        Ring.Dispose();
    }

    // Under _lock. A ring file keeps the bound too, so recovery after a crash knows where
    // the reservations end; the header of every record below it is already in place.
    private void SetWritten(ulong position)
    {
        Volatile.Write(ref _written, position);
        _ringFile?.RecordWritten(position);
    }

    internal int OffsetOf(ulong position) => (int)(position & (ulong)_mask);

    internal ushort AcquireStreamId() => _streamIds.Acquire();

    internal void ReleaseStreamId(ushort id) => _streamIds.Release(id);

    /// <summary>
    /// Reserves an incomplete record of <paramref name="recordSize"/> bytes (unaligned), waiting
    /// while the ring is full, and returns its position. A record that would cross the end of
    /// the ring is placed at its start, the space skipped covered by a pad.
    /// </summary>
    /// <remarks>
    /// The transaction id is <paramref name="continuing"/> when given; a BEGIN record of a
    /// transaction stream gets the next id, assigned under the lock so BEGIN records lie in
    /// the ring in id order; a control record carries the last id assigned.
    /// </remarks>
    internal ulong Reserve(ushort streamField, int recordSize, ulong continuing, out ulong transactionId)
    {
        var bytes = JournalFormat.AlignedRecordSize(recordSize);
        var stalled = false;
        lock (_lock)
        {
            var begins = continuing == 0 && (streamField & StreamId.Begin) != 0 && StreamId.IsTransaction((ushort)(streamField & StreamId.IdMask));
            while (true)
            {
                ThrowIfFailed();
                if (begins)
                    ThrowIfFull();
                var offset = OffsetOf(_written);
                var toEnd = Options.Size - offset;
                var required = bytes > toEnd ? bytes + toEnd : bytes;
                var needed = begins ? required + Options.BeginHeadroom : required;
                if (HasSpace(needed))
                {
                    if (required != bytes)
                    {
                        RingHeader.WritePad(Ring, offset, toEnd);
                        offset = 0;
                    }
                    if (continuing != 0)
                    {
                        transactionId = continuing;
                    }
                    else if (begins)
                    {
                        transactionId = _nextTransactionId++;
                        Volatile.Write(ref _lastTransactionId, transactionId);
                    }
                    else
                    {
                        transactionId = _lastTransactionId;
                    }
                    RingHeader.Init(Ring, offset, streamField, recordSize, transactionId);
                    var position = _written + (ulong)(required - bytes);
                    SetWritten(_written + (ulong)required);
                    return position;
                }
                if (!stalled)
                {
                    stalled = true;
                    Interlocked.Increment(ref _stalls);
                }
                WaitForSpace(needed, begins);
            }
        }
    }

    /// <summary>
    /// Grows the newest reservation in place when nothing was reserved after it and the
    /// space is free and contiguous; never waits.
    /// </summary>
    internal bool TryExtend(ulong position, int recordSize, int newRecordSize)
    {
        var oldBytes = (ulong)JournalFormat.AlignedRecordSize(recordSize);
        var newBytes = (ulong)JournalFormat.AlignedRecordSize(newRecordSize);
        lock (_lock)
        {
            if (newBytes == oldBytes)
            {
                // Within the record's own padding: the bound does not move (other records may lie after it).
                RingHeader.SetRecordSize(Ring, OffsetOf(position), newRecordSize);
                return true;
            }
            var fits = _written == position + oldBytes
                && (ulong)OffsetOf(position) + newBytes <= (ulong)Options.Size
                && (ulong)Options.Size - (_written - Volatile.Read(ref _acknowledged)) >= newBytes - oldBytes;
            if (!fits)
                return false;
            SetBoundAfter(position, newRecordSize);
        }
        return true;
    }

    /// <summary>
    /// Under the lock: makes the newest record <paramref name="recordSize"/> bytes and the
    /// written bound its end, both before the lock is released. After that another writer may
    /// reserve right after the record, commit, and see its change run; a kill then leaves the
    /// ring file to <see cref="RecoveredRing"/>, which finds each record by the size in the
    /// header before it, so a header still holding the old size would hide every later
    /// record. Of the two writes, the one that makes the header claim more than the bound
    /// comes first: a kill between them ends the walk at this record, with nothing after it,
    /// instead of sending it into bytes that are no record.
    /// </summary>
    private void SetBoundAfter(ulong position, int recordSize)
    {
        var end = position + (ulong)JournalFormat.AlignedRecordSize(recordSize);
        if (end < _written)
        {
            SetWritten(end);
            RingHeader.SetRecordSize(Ring, OffsetOf(position), recordSize);
        }
        else
        {
            RingHeader.SetRecordSize(Ring, OffsetOf(position), recordSize);
            SetWritten(end);
        }
    }

    /// <summary>
    /// Completes a reservation: shrinks it to <paramref name="recordSize"/> (giving space back
    /// if it is still the newest, else padding the rest), writes the trailer, adds the
    /// controls, then publishes the begin magic. The CRC is left to the drain unless the
    /// writer checksummed a data span while copying it: then the rest is checksummed here,
    /// while the record is hot in this core's cache. Returns the position after the record.
    /// </summary>
    internal ulong Commit(ulong position, int reservedRecordSize, int recordSize, ushort addControls, ChecksummedSpan checksummed = default)
    {
        var offset = OffsetOf(position);
        var reservedBytes = JournalFormat.AlignedRecordSize(reservedRecordSize);
        var bytes = JournalFormat.AlignedRecordSize(recordSize);
        if (bytes < reservedBytes)
        {
            lock (_lock)
            {
                if (_written == position + (ulong)reservedBytes)
                    SetBoundAfter(position, recordSize);
                else
                    RingHeader.WritePad(Ring, offset + bytes, reservedBytes - bytes);
            }
        }
        var payloadEnd = recordSize - JournalFormat.TrailerSize;
        var trailerAt = RecordTrailer.OffsetIn(recordSize);
        Ring.AsSpan(offset + payloadEnd, trailerAt - payloadEnd).Clear();
        RingHeader.SetRecordSize(Ring, offset, recordSize);
        RingHeader.SetStreamField(Ring, offset, (ushort)(RingHeader.StreamField(Ring, offset) | addControls));
        var trailer = checksummed.IsEmpty
            ? new RecordTrailer(JournalFormat.EndMagic, 0, 0, (uint)recordSize)
            : new RecordTrailer(JournalFormat.EndMagic, RingHeader.SealedByWriter, ChecksumAround(offset, payloadEnd, checksummed), (uint)recordSize);
        trailer.Format(Ring.AsSpan(offset + trailerAt));
        RingHeader.PublishMagic(Ring, offset, JournalFormat.BeginMagic);
        WakeDrainIfWorthIt();
        return position + (ulong)bytes;
    }

    /// <summary>CRC32C of header and payload, joining the writer's register over its span with the bytes around it.</summary>
    private uint ChecksumAround(int offset, int payloadEnd, ChecksummedSpan checksummed)
    {
        Span<byte> header = stackalloc byte[JournalFormat.HeaderSize];
        Ring.AsSpan(offset, JournalFormat.HeaderSize).CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header, JournalFormat.BeginMagic);
        var state = Crc32C.Update(~0u, header);
        state = Crc32C.Update(state, Ring.AsSpan(offset + JournalFormat.HeaderSize, checksummed.Start - JournalFormat.HeaderSize));
        state = Crc32C.Shift(state, checksummed.Length) ^ checksummed.State;
        var after = checksummed.Start + checksummed.Length;
        return ~Crc32C.Update(state, Ring.AsSpan(offset + after, payloadEnd - after));
    }

    /// <summary>Takes back the newest reservation entirely, if it still is the newest.</summary>
    internal bool TryUnreserve(ulong position, int recordSize)
    {
        var bytes = (ulong)JournalFormat.AlignedRecordSize(recordSize);
        lock (_lock)
        {
            if (_written != position + bytes)
                return false;
            SetWritten(position);
        }
        ReleaseProgressWaiters();
        return true;
    }

    internal void MarkSent(ulong position, bool acknowledged)
    {
        Interlocked.Exchange(ref _sent, position);
        AdvanceAcknowledged(acknowledged ? position : AcknowledgedPosition);
        ReleaseProgressWaiters();
    }

    /// <summary>Whether a flush was asked for beyond the last one (bounded by what was written: reservations shrink).</summary>
    internal bool FlushDue => Math.Min(Volatile.Read(ref _flushWanted), Volatile.Read(ref _written)) > Volatile.Read(ref _flushed);

    internal ulong FlushedPosition => Volatile.Read(ref _flushed);

    /// <summary>The drain flushed the sink after sending every record before <paramref name="position"/>.</summary>
    internal void MarkFlushed(ulong position)
    {
        Interlocked.Exchange(ref _flushed, position);
        ReleaseProgressWaiters();
    }

    internal void Fail(Exception failure)
    {
        _failure = failure;
        WakeAllWaiters();
        Failed?.Invoke(failure);
    }

    internal void ThrowIfFailed()
    {
        if (_failure is { } failure)
            throw new FifoFailedException($"the journal FIFO stopped: its sink failed: {failure.Message}", failure);
    }

    private void ThrowIfFull()
    {
        if (_full is { } full)
            throw new SinkFullException(full.Message, full);
    }

    /// <summary>The drain found the sink full: refuse new transactions and fail waits it cannot serve.</summary>
    internal void MarkFull(SinkFullException full)
    {
        _full = full;
        WakeAllWaiters();
        FullChanged?.Invoke(full);
    }

    /// <summary>Wakes writers waiting for space and waiters for progress, to see a new state.</summary>
    private void WakeAllWaiters()
    {
        lock (_lock)
            Monitor.PulseAll(_lock);
        lock (_progress)
            Monitor.PulseAll(_progress);
    }

    /// <summary>The sink took records again.</summary>
    internal void ClearFull()
    {
        _full = null;
        FullChanged?.Invoke(null);
    }

    /// <summary>
    /// The sink acknowledges when durable, holds records it has not acknowledged yet, and the
    /// ring needs their space (a writer waits for it, or more than half the ring is in use):
    /// the drain then flushes the sink so that it can make them durable and acknowledge them.
    /// </summary>
    internal bool SpaceWaitsForDurability =>
        Sink.AcknowledgesWhenDurable
        && Volatile.Read(ref _sent) > Volatile.Read(ref _acknowledged)
        && (Volatile.Read(ref _spaceWaiters) > 0 || Volatile.Read(ref _written) - Volatile.Read(ref _acknowledged) > (ulong)(Options.Size >> 1));

    /// <summary>
    /// The sink lost what it had not acknowledged: send it again from the acknowledged
    /// position. Those records are still in the ring, whose space is reused only below it.
    /// Waiters are woken to see that their records are no longer sent.
    /// </summary>
    internal void RewindSentToAcknowledged()
    {
        Interlocked.Exchange(ref _sent, AcknowledgedPosition);
        ReleaseProgressWaiters();
    }

    internal bool HasWaiters => Volatile.Read(ref _spaceWaiters) > 0 || Volatile.Read(ref _progressWaiters) > 0;

    // Waking the drain per record would cost a context switch per transaction; wake it only
    // when the ring is half full or somebody is blocked on it, and let the heartbeat do the rest.
    private void WakeDrainIfWorthIt()
    {
        if (DrainIsWorthWaking)
            SignalDrain();
    }

    internal bool DrainIsWorthWaking =>
        Volatile.Read(ref _written) - Volatile.Read(ref _acknowledged) > (ulong)(Options.Size >> 1) || HasWaiters || FlushDue;

    private void SignalDrain()
    {
        if (!_drainSignal.IsSet)
            _drainSignal.Set();
    }

    private bool HasSpace(int bytes) =>
        (ulong)Options.Size - (_written - Volatile.Read(ref _acknowledged)) >= (ulong)bytes;

    // Called holding _lock. The waiter count goes up before the space is checked again, and
    // the drain publishes a position with a full fence before it reads the count, so one of
    // the two always sees the other: no lost wake-up. A new state (failed, or full for a
    // reservation that begins a transaction) is pulsed once, and the spin runs outside the
    // lock: it is looked at again before sleeping, or that pulse is lost and, with nothing
    // draining, the writer sleeps for good.
    private void WaitForSpace(int bytes, bool begins)
    {
        Interlocked.Increment(ref _spaceWaiters);
        try
        {
            SignalDrain();
            if (!SpinForSpace(bytes) && _failure is null && !(begins && _full is not null))
                Monitor.Wait(_lock);
        }
        finally
        {
            Interlocked.Decrement(ref _spaceWaiters);
        }
    }

    // Space usually comes back within microseconds, when the drain finishes its run; going
    // to sleep on the monitor and being woken costs more than that, so spin a little first.
    private bool SpinForSpace(int bytes)
    {
        Monitor.Exit(_lock);
        try
        {
            var spinner = default(SpinWait);
            var deadline = Stopwatch.GetTimestamp() + SpinTicks;
            while (!HasSpace(bytes) && Stopwatch.GetTimestamp() < deadline)
                spinner.SpinOnce(sleep1Threshold: -1);
        }
        finally
        {
            Monitor.Enter(_lock);
        }
        return HasSpace(bytes);
    }

    private void AdvanceAcknowledged(ulong position)
    {
        lock (_ackLock)
        {
            var acknowledged = Math.Max(position, _acknowledged);
            // Pads never reach the sink, so it never acknowledges them: step over those right
            // after what it did acknowledge, or their space would never come back.
            var sent = Volatile.Read(ref _sent);
            while (acknowledged < sent && RingHeader.StreamField(Ring, OffsetOf(acknowledged)) == StreamId.Pad)
                acknowledged += (ulong)JournalFormat.AlignedRecordSize(RingHeader.RecordSize(Ring, OffsetOf(acknowledged)));
            if (acknowledged == _acknowledged)
                return;
            Interlocked.Exchange(ref _acknowledged, acknowledged);
        }
        ReleaseSpaceWaiters();
        ReleaseProgressWaiters();
    }

    private void ReleaseSpaceWaiters()
    {
        if (Volatile.Read(ref _spaceWaiters) == 0)
            return;
        lock (_lock)
            Monitor.PulseAll(_lock);
    }

    private void ReleaseProgressWaiters()
    {
        if (Volatile.Read(ref _progressWaiters) == 0)
            return;
        lock (_progress)
            Monitor.PulseAll(_progress);
    }

    private void WaitForProgress(ref ulong field, ulong position, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref field) >= position)
            return;
        Interlocked.Increment(ref _progressWaiters);
        try
        {
            using var registration = cancellationToken.Register(ReleaseAllProgressWaiters);
            lock (_progress)
            {
                // The count went up before this check (see WaitForSpace for why that matters).
                // A position taken from WrittenPosition may include a reservation that was
                // later shrunk or given back, so the written position bounds the wait too.
                while (Volatile.Read(ref field) < Math.Min(position, Volatile.Read(ref _written)))
                {
                    ThrowIfFailed();
                    // While the sink is full the drain still flushes what it sent; only a
                    // wait for records it could not send is hopeless.
                    if (Volatile.Read(ref _sent) < Math.Min(position, Volatile.Read(ref _written)))
                        ThrowIfFull();
                    cancellationToken.ThrowIfCancellationRequested();
                    SignalDrain();
                    Monitor.Wait(_progress);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _progressWaiters);
        }
    }

    private void ReleaseAllProgressWaiters()
    {
        lock (_progress)
            Monitor.PulseAll(_progress);
    }
}
