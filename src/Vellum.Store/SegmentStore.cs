using Microsoft.Win32.SafeHandles;
using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// The durable journal on disk: a directory of append-only segment files holding stream
/// records exactly as docs/journal-format.md lays them out, each segment starting with a
/// sync point and, once sealed, ending with a checkpoint (its index). Appends are checked
/// and written in order under one lock; durability is a separate step shared by every
/// committer waiting at the time (<see cref="GroupCommit"/>, <see cref="WaitDurable"/>). Positions are
/// byte offsets in the concatenation of all segments, the store's own stream.
/// </summary>
/// <remarks>
/// Opening read-write recovers: it cuts a torn tail and ends transactions the crash left
/// open with ABORTED records (<see cref="Recovery"/>), and refuses damage that is not a
/// torn tail (<see cref="StoreDamagedException"/>). Opening read-only repairs nothing and
/// serves everything before the first damage (<see cref="Damage"/>).
/// </remarks>
public sealed partial class SegmentStore : IDisposable
{
    private readonly Lock _appendLock = new();
    private readonly List<Segment> _segments;
    private readonly Dictionary<ushort, ulong> _open;
    private readonly AppendPlan _plan = new();
    private readonly StoreOptions _options;
    private readonly GroupCommit _commit;

    /// <summary>The store directory, open: new segments are created relative to it. Null when read-only.</summary>
    private readonly SafeFileHandle? _directoryHandle;
    private ulong _lastBegun;
    private bool _disposed;

    private SegmentStore(string directory, StoreOptions options, SafeFileHandle? directoryHandle, StoreState state)
    {
        Directory = directory;
        _directoryHandle = directoryHandle;
        _options = options;
        IsReadOnly = directoryHandle is null;
        Header = state.Header;
        _segments = state.Segments;
        _open = state.Open;
        _lastBegun = state.LastBegun;
        Recovery = state.Recovery;
        Damage = state.Damage;
        _commit = new GroupCommit(_segments.Count == 0 ? 0 : _segments[^1].End, directory, SyncWritten, SignalAppended);
    }

    public string Directory { get; }

    public bool IsReadOnly { get; }

    /// <summary>The journal header of the store (each segment's sync point repeats it with its own time).</summary>
    public JournalHeader Header { get; }

    /// <summary>What opening repaired; <see cref="RecoveryReport.Clean"/> when nothing.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>Read-only opens only: the damage reading stops at, if any.</summary>
    public StoreDamagedException? Damage { get; }

    /// <summary>
    /// The position after the last byte appended. Read without the append lock, so a status
    /// query never waits behind an append stuck on a stalled disk.
    /// </summary>
    public long WrittenPosition => _commit.WrittenPosition;

    /// <summary>The position of the first byte still held (segments below it were deleted by retention).</summary>
    public long FirstPosition
    {
        get
        {
            lock (_appendLock)
                return _segments.Count == 0 ? 0 : _segments[0].Start;
        }
    }

    /// <summary>The id of the last transaction begun in the store (0 if none); read without the append lock.</summary>
    public ulong LastTransactionId => Volatile.Read(ref _lastBegun);

    /// <summary>Transactions begun and not yet ended, in id order.</summary>
    public IReadOnlyList<OpenTransaction> OpenTransactions
    {
        get
        {
            lock (_appendLock)
                return OpenTransactionsNow();
        }
    }

    /// <summary>The sealed segments now held, in store order: files nobody writes again, which a scrub may read.</summary>
    public IReadOnlyList<(long Start, string Path)> SealedSegments
    {
        get
        {
            lock (_appendLock)
                return [.. _segments.Where(segment => segment.Sealed && segment.Writer is null).Select(segment => (segment.Start, segment.Path))];
        }
    }

    public int SegmentCount
    {
        get
        {
            lock (_appendLock)
                return _segments.Count;
        }
    }

    /// <summary>
    /// Opens the store in <paramref name="directory"/> for appending, creating it (with
    /// <see cref="StoreOptions.Header"/>) when the directory holds no segment.
    /// </summary>
    /// <exception cref="StoreDamagedException">Damage other than a torn tail; nothing was changed.</exception>
    public static SegmentStore Open(string directory, StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        var handle = StorePrivacy.OpenPrivateDirectory(directory, "the store");
        StoreState state;
        try
        {
            state = StoreRecovery.Recover(directory, options, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        var store = new SegmentStore(directory, options, handle, state);
        try
        {
            if (state.Recovery.UnfinishedEnded)
                store.AbortUnfinished(state.Recovery.UnfinishedTransactions);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>Opens an existing store for reading only; nothing on disk changes.</summary>
    public static SegmentStore OpenReadOnly(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"no store at {directory}: the directory does not exist");
        var options = new StoreOptions();
        var state = StoreRecovery.Recover(directory, options, directoryHandle: null);
        return new SegmentStore(directory, options, directoryHandle: null, state);
    }

    /// <summary>
    /// Appends whole stream records (sealed, CRC filled in), checked first (see
    /// <see cref="AppendPlan"/>); a rejected or failed append writes nothing. Returns the
    /// position after them, to pass to <see cref="WaitDurable"/>. A run larger than the
    /// segment size makes its segment larger: records are never split.
    /// </summary>
    /// <exception cref="ArgumentException">The records break the format or the transaction rules.</exception>
    /// <exception cref="StoreFullException">No space; nothing was written and appends may be retried.</exception>
    public long Append(ReadOnlySpan<byte> records)
    {
        long end;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (_options.IsReplica)
                throw new InvalidOperationException($"the store at {Directory} is a replica: it takes records through AppendReplicated only");
            end = AppendRunLocked(records);
        }
        SignalAppended();
        return end;
    }

    /// <summary>Under the append lock: checks and writes a run of records without sync points or checkpoints.</summary>
    private long AppendRunLocked(ReadOnlySpan<byte> records)
    {
        if (records.IsEmpty)
            return WrittenPosition;
        _plan.Check(records, _lastBegun, _open);
        var segment = ActiveSegmentFor(records.Length);
        var at = segment.Length;
        WriteOrUndo(segment, records, at);
        foreach (var begin in _plan.Begins)
            AddToIndex(segment, begin.TransactionId, at + begin.Offset);
        _plan.Apply(_open);
        _lastBegun = _plan.LastBegun;
        segment.Length += records.Length;
        _commit.Appended(segment.End);
        StartWritebackLocked(segment);
        return segment.End;
    }

    /// <summary>Appends and waits until the records are durable.</summary>
    public long Commit(ReadOnlySpan<byte> records)
    {
        var end = Append(records);
        WaitDurable(end);
        return end;
    }

    /// <summary>
    /// Deletes whole sealed segments that end at or below <paramref name="watermark"/>, the
    /// lowest position every consumer holds durably elsewhere; nothing at or above it is
    /// ever deleted, and the newest segment never is. Returns how many were deleted.
    /// </summary>
    public int DeleteBelow(long watermark)
    {
        var deleted = 0;
        lock (_appendLock)
        {
            ThrowIfUnusable();
            while (_segments.Count > 1 && _segments[0].Sealed && _segments[0].End <= watermark && _segments[0].End <= DurablePosition && _segments[0].Writer is null)
            {
                File.Delete(_segments[0].Path);
                _segments.RemoveAt(0);
                deleted++;
            }
        }
        return deleted;
    }

    public void Dispose()
    {
        lock (_appendLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            _commit.Close();
            foreach (var segment in _segments)
            {
                TrimRunwayOnClose(segment);
                segment.Writer?.Dispose();
                segment.Writer = null;
            }
            _directoryHandle?.Dispose();
        }
        SignalAppended();
    }

    /// <summary>Ends the transactions a crash left open with an empty ABORTED record each, durably.</summary>
    private void AbortUnfinished(IReadOnlyList<OpenTransaction> unfinished)
    {
        if (unfinished.Count == 0)
            return;
        var records = new byte[unfinished.Count * RecordCodec.AlignedSizeFor(0)];
        var at = 0;
        foreach (var open in unfinished)
            at += RecordCodec.Write(records.AsSpan(at), (ushort)(open.StreamId | StreamId.End | StreamId.Aborted), open.TransactionId, []);
        Commit(records);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsReadOnly)
            throw new InvalidOperationException($"the store at {Directory} is open read-only");
        if (_commit.Failure is { } failure)
            throw new StoreIOException($"the store at {Directory} failed earlier and takes no more appends: {failure.Message}", failure);
    }

    private void AddToIndex(Segment segment, ulong transactionId, long offset) =>
        SegmentIndex.Add(segment.Index, transactionId, offset, _options.IndexSpacing);

    /// <summary>Writes at <paramref name="at"/>; on failure cuts the file back so no partial record stays.</summary>
    private void WriteOrUndo(Segment segment, ReadOnlySpan<byte> bytes, long at)
    {
        try
        {
            segment.Writer!.WriteAt(bytes, at);
        }
        catch (StoreIOException)
        {
            try
            {
                segment.Writer!.Truncate(at);
                segment.RunwayEnd = 0;
            }
            catch (StoreIOException undo)
            {
                _commit.Fail(undo);
            }
            throw;
        }
    }
}
