using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;

namespace Vellum.Mirror.Tests;

/// <summary>Writes transactions into a segment store, one record each unless cut on purpose.</summary>
internal sealed class JournalBuilder : IDisposable
{
    public const ushort Stream = StreamId.FirstTransaction;

    public static readonly Guid JournalId = new("5b0e2d4c-9a31-4f7e-8c62-1d3a5e7f9b04");

    public JournalBuilder(string directory, Guid? journalId = null, long segmentSize = 64L * 1024 * 1024)
    {
        Store = SegmentStore.Open(directory, new StoreOptions
        {
            Header = JournalHeader.Create(journalId ?? JournalId, 1, "test-host", "/source"),
            SegmentSize = segmentSize,
            IndexSpacing = 4096,
        });
    }

    public SegmentStore Store { get; }

    public ulong NextId => Store.LastTransactionId + 1;

    /// <summary>One committed transaction holding <paramref name="operations"/>; returns its id.</summary>
    public ulong Commit(params JournalOperation[] operations)
    {
        var id = NextId;
        Store.Commit(Record((ushort)(Stream | StreamId.Begin | StreamId.End), id, Payload(operations)));
        return id;
    }

    public static JournalOperation Operation(SubRecordType kind, string? path, string? path2 = null, OperationState? redo = null, OperationResult? result = null) =>
        Operation(kind, path is null ? null : Encoding.UTF8.GetBytes(path), path2 is null ? null : Encoding.UTF8.GetBytes(path2), redo, result);

    public static JournalOperation Operation(SubRecordType kind, byte[]? path, byte[]? path2 = null, OperationState? redo = null, OperationResult? result = null) => new()
    {
        Kind = kind,
        Time = new JournalTimestamp(1_700_000_000, 0),
        Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 42 },
        Path = path,
        Path2 = path2,
        Redo = redo,
        Result = result,
    };

    public static byte[] Payload(params JournalOperation[] operations)
    {
        var buffer = new SubRecordBuffer();
        foreach (var operation in operations)
            OperationEncoder.Encode(buffer, operation);
        return buffer.ToArray();
    }

    public static byte[] Record(ushort streamField, ulong id, ReadOnlySpan<byte> payload)
    {
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.Write(record, streamField, id, payload);
        return record;
    }

    public void Dispose() => Store.Dispose();
}
