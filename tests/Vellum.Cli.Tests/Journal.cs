using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;

namespace Vellum.Cli.Tests;

/// <summary>Operations and whole stream records for building stores and journal files in tests.</summary>
internal static class Journal
{
    public const ushort Stream = StreamId.FirstTransaction;

    /// <summary>1700000000 is 2023-11-14T22:13:20Z.</summary>
    public const long BaseSeconds = 1_700_000_000;

    public static JournalHeader Header { get; } = JournalHeader.Create(new Guid("0c3e6f1a-5d2b-4a8e-9c71-2f4b8d6e1a03"), 1, "test-host", "/data");

    public static StoreOptions Options(long segmentSize = 64L * 1024 * 1024, int indexSpacing = 64 * 1024) =>
        new() { Header = Header, SegmentSize = segmentSize, IndexSpacing = indexSpacing };

    public static JournalOperation Operation(SubRecordType kind, string? path, JournalTimestamp time, OperationState? redo = null, string? path2 = null,
        uint uid = 1000, uint gid = 100, uint pid = 4242, string? command = "touch") => Operation(kind, path is null ? null : Encoding.UTF8.GetBytes(path), time, redo, path2, uid, gid, pid, command);

    public static JournalOperation Operation(SubRecordType kind, byte[]? path, JournalTimestamp time, OperationState? redo = null, string? path2 = null,
        uint uid = 1000, uint gid = 100, uint pid = 4242, string? command = "touch") => new()
        {
            Kind = kind,
            Time = time,
            Credentials = new Credentials { Uid = uid, Gid = gid, Pid = pid, Command = command is null ? null : Encoding.UTF8.GetBytes(command) },
            Path = path,
            Path2 = path2 is null ? null : Encoding.UTF8.GetBytes(path2),
            Redo = redo,
        };

    /// <summary>A write of <paramref name="dataLength"/> bytes to "file-ID" at second BaseSeconds + ID.</summary>
    public static JournalOperation Write(ulong id, int dataLength = 100) => Operation(
        SubRecordType.Write,
        $"file-{id}",
        new JournalTimestamp(BaseSeconds + (long)id, 0),
        new OperationState { Offset = 0, Data = new byte[dataLength] });

    public static byte[] Payload(params JournalOperation[] operations)
    {
        var buffer = new SubRecordBuffer();
        foreach (var operation in operations)
            OperationEncoder.Encode(buffer, operation);
        return buffer.ToArray();
    }

    /// <summary>The transaction as <paramref name="pieces"/> records (BEGIN first, END last).</summary>
    public static List<byte[]> Records(ulong id, byte[] payload, int pieces = 1, ushort stream = Stream)
    {
        var records = new List<byte[]>();
        var cut = (payload.Length + pieces - 1) / pieces;
        for (var i = 0; i < pieces; i++)
        {
            var part = payload.AsSpan(Math.Min(i * cut, payload.Length), Math.Max(0, Math.Min(cut, payload.Length - i * cut)));
            var field = stream | (i == 0 ? StreamId.Begin : 0) | (i == pieces - 1 ? StreamId.End : 0);
            records.Add(Record((ushort)field, id, part));
        }
        return records;
    }

    public static byte[] Single(ulong id, params JournalOperation[] operations) => Records(id, Payload(operations))[0];

    /// <summary>A one-record write transaction, "file-ID".</summary>
    public static byte[] SingleWrite(ulong id, int dataLength = 100, ushort stream = Stream) => Records(id, Payload(Write(id, dataLength)), 1, stream)[0];

    /// <summary>An empty END|ABORTED record closing transaction <paramref name="id"/> on <paramref name="stream"/>.</summary>
    public static byte[] Abort(ulong id, ushort stream = Stream) => Record((ushort)(stream | StreamId.End | StreamId.Aborted), id, []);

    public static byte[] Record(ushort streamField, ulong id, ReadOnlySpan<byte> payload)
    {
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.Write(record, streamField, id, payload);
        return record;
    }

    /// <summary>A store of one-record writes 1..<paramref name="count"/>.</summary>
    public static void WriteStore(string directory, int count, StoreOptions? options = null, int dataLength = 100)
    {
        using var store = SegmentStore.Open(directory, options ?? Options());
        for (ulong id = 1; id <= (ulong)count; id++)
            store.Commit(SingleWrite(id, dataLength));
    }
}
