using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// The records of a store from a position to its written position, for recovery's
/// bookkeeping: <c>foreach (var record in StoreRecords.From(store, position))</c>. Each is
/// framed and checked by the journal's <see cref="RecordReader"/> and handed out in place,
/// valid until the next one; nothing is copied or allocated per record.
/// </summary>
internal ref struct StoreRecords
{
    private readonly Stream _stream;
    private readonly RecordReader _reader;
    private readonly string _store;
    private RecordFrame _current;

    private StoreRecords(SegmentStore store, long position)
    {
        _stream = store.OpenStream(position);
        _reader = new RecordReader(_stream, position);
        _store = store.Directory;
    }

    public static StoreRecords From(SegmentStore store, long position) => new(store, position);

    public readonly StoreRecords GetEnumerator() => this;

    public readonly RecordFrame Current => _current;

    /// <exception cref="StoreDamagedException">A record does not hold, which the store's own recovery should have found.</exception>
    public bool MoveNext() => _reader.Read(out _current, out var damage) switch
    {
        RecordStatus.Record => true,
        RecordStatus.EndOfInput => false,
        _ => throw new StoreDamagedException($"store {_store}: {damage!.Message} (store positions)"),
    };

    public readonly void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
