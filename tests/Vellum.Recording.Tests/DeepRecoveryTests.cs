using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Native;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A change deeper than PATH_MAX in flight when the mount was killed: recovery decides
/// whether it ran by looking at the backing directory, a directory at a time, as for any path.
/// </summary>
public sealed class DeepRecoveryTests : IDisposable
{
    private const int Levels = 24;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-deep-recovery-").FullName;

    public void Dispose() => TreeRemoval.Delete(_root);

    private static string Level(int i) => $"{i:D3}" + new string('d', 197);

    [Fact]
    public void Changes_in_flight_past_PATH_MAX_are_settled_by_what_the_backing_directory_holds()
    {
        var backing = Directory.CreateDirectory(Path.Combine(_root, "backing")).FullName;
        var deep = string.Join('/', Enumerable.Range(0, Levels).Select(Level));
        var directory = AtCalls.OpenDirectory(LibCConstants.AtFdCwd, backing);
        try
        {
            for (var i = 0; i < Levels; i++)
            {
                AtCalls.MakeDirectory(directory, Level(i));
                var next = AtCalls.OpenDirectory(directory, Level(i));
                LibC.Close(directory);
                directory = next;
            }
        }
        finally
        {
            LibC.Close(directory);
        }
        var header = JournalHeader.Create(Guid.NewGuid(), 1, "host", backing);
        using var store = SegmentStore.Open(Path.Combine(_root, "journal"), new StoreOptions { Header = header, AbortUnfinished = false });
        // The mkdir of the deepest level ran (it is there); the create of "missing" did not.
        store.Append(Intent(1, SubRecordType.Mkdir, deep));
        store.Append(Intent(2, SubRecordType.Create, $"{deep}/missing"));

        var settled = UnfinishedChangeRecovery.Settle(store, backing);

        Assert.Equal([SettledOutcome.TookEffect, SettledOutcome.DidNotRun], settled.Select(change => change.Outcome));
        using var cursor = store.OpenCursor();
        var entries = new List<JournalEntry>();
        while (cursor.TryRead(out var entry))
            entries.Add(entry);
        var mkdir = Assert.Single(Assert.Single(entries.OfType<TransactionEntry>()).Operations);
        Assert.Equal(deep, Encoding.UTF8.GetString(mkdir.Path!));
        Assert.NotNull(mkdir.Result?.Inode);
        Assert.NotNull(mkdir.Result?.DirMtime);
        Assert.Equal(2UL, Assert.Single(entries.OfType<AbortedTransactionEntry>()).TransactionId);
    }

    /// <summary>An operation as the recorder publishes it before its syscall: BEGIN, no END, the operation still open.</summary>
    private static byte[] Intent(ulong id, SubRecordType kind, string path)
    {
        var buffer = new SubRecordBuffer(unknownNestedSizes: true);
        ISubRecordWriter operation = buffer;
        operation.Push(kind);
        operation.WriteLeaf(SubRecordType.Time, JournalTimestamp.Now());
        operation.Push(SubRecordType.Cred);
        operation.WriteLeaf(SubRecordType.Uid, 0u);
        operation.WriteLeaf(SubRecordType.Gid, 0u);
        operation.WriteLeaf(SubRecordType.Pid, 1u);
        operation.Pop();
        operation.WriteLeaf(SubRecordType.Path, Encoding.UTF8.GetBytes(path));
        operation.Push(SubRecordType.Redo);
        operation.Push(SubRecordType.Attr);
        operation.WriteLeaf(SubRecordType.Mode, kind == SubRecordType.Mkdir ? 0x41EDu : 0x81A4u);
        operation.Pop();
        operation.Pop();
        // ToArray wants every group closed. Closing the operation marked REDO as its LAST
        // child; an intent leaves that to the RESULT still to come, so the mark comes off.
        operation.Pop();
        var payload = buffer.ToArray();
        var redo = 8 + 24 + 56 + (int)JournalFormat.AlignSubRecord(8 + Encoding.UTF8.GetByteCount(path));
        Assert.Equal((ushort)SubRecordType.Redo | SubRecordFlags.Nested | SubRecordFlags.Last, BitConverter.ToUInt16(payload, redo));
        payload[redo + 1] &= 0xBF;
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.Write(record, (ushort)(StreamId.FirstTransaction + id | StreamId.Begin), id, payload);
        return record;
    }
}
