using System.Text;
using System.Text.Json;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `restore --at` reads only what survives to the moment (issue 22, speed): the journal's dead
/// data (writes overwritten later, a file removed) is resolved through the catalog and never
/// read. Shown by damaging the dead data after the catalog indexed it: the latest moment still
/// restores exactly, while a moment at which that data was alive meets the damage.
/// </summary>
public sealed class DeadDataTests : IDisposable
{
    private const int Chunk = 160 * 1024;
    private const ulong FirstOverwrite = 3;
    private const ulong LastOverwrite = 40;
    private const ulong Damaged = 21;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-timetravel-dead-data-").FullName;

    public void Dispose() => TreeRemoval.Delete(_root);

    [Fact]
    public void Overwritten_and_removed_data_is_never_read_so_damage_there_does_not_stop_a_restore_of_the_latest_moment()
    {
        var store = Path.Combine(_root, "store");
        using (var writer = SegmentStore.Open(store, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data") }))
        {
            writer.Commit(Transaction(1, Operation(SubRecordType.Baseline, 1, null, redo: new OperationState { Flags = (uint)BaselineFlags.Complete })));
            writer.Commit(SeededTransactions.Records(2, SeededTransactions.Payload(2, Chunk, "kept", create: true), 1, StreamId.FirstTransaction)[0]);
            for (var id = FirstOverwrite; id <= LastOverwrite; id++)
                writer.Commit(SeededTransactions.Records(id, SeededTransactions.Payload(id, Chunk, "kept"), 1, StreamId.FirstTransaction)[0]);
            writer.Commit(SeededTransactions.Records(41, SeededTransactions.Payload(41, Chunk, "gone", create: true), 1, StreamId.FirstTransaction)[0]);
            writer.Commit(Transaction(42, Operation(SubRecordType.Unlink, 42, "gone")));
            writer.Commit(SeededTransactions.Records(43, SeededTransactions.Payload(43, 100, "kept"), 1, StreamId.FirstTransaction)[0]);
        }
        var indexed = Vellum.Run("history", store, "kept");
        Assert.True(indexed.ExitCode == 0, indexed.ToString());
        // One bit of a write in the middle of those overwritten later.
        var segment = Directory.GetFiles(store, "*.vseg").Single();
        var bytes = File.ReadAllBytes(segment);
        var at = bytes.AsSpan().IndexOf(SeededTransactions.Data(Damaged, Chunk).AsSpan(0, 64));
        Assert.True(at > 0, $"the data of transaction {Damaged} is not in {segment}");
        bytes[at + Chunk / 2] ^= 0x08;
        File.WriteAllBytes(segment, bytes);

        var to = Path.Combine(_root, "latest");
        var restored = Vellum.Run("restore", store, "--at", "txid:43", "--to", to, "--json");
        Assert.True(restored.ExitCode == 0, restored.ToString());
        using (var summary = JsonDocument.Parse(restored.Output))
            Assert.True(summary.RootElement.GetProperty("skipped").GetInt64() >= (long)(LastOverwrite - FirstOverwrite), restored.Output);
        byte[] expected = [.. SeededTransactions.Data(43, 100), .. SeededTransactions.Data(LastOverwrite, Chunk).AsSpan(100)];
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(to, "kept")));
        Assert.Equal(["kept"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName));

        var alive = Vellum.Run("restore", store, "--at", $"txid:{Damaged}", "--to", Path.Combine(_root, "middle"));
        Assert.True(alive.ExitCode == 2 && alive.Error.Contains($"the store is damaged at {segment} byte ", StringComparison.Ordinal), alive.ToString());
    }

    private static byte[] Transaction(ulong id, JournalOperation operation)
    {
        var buffer = new SubRecordBuffer();
        OperationEncoder.Encode(buffer, operation);
        return SeededTransactions.Records(id, buffer.ToArray(), 1, StreamId.FirstTransaction)[0];
    }

    private static JournalOperation Operation(SubRecordType kind, ulong id, string? path, OperationState? redo = null) => new()
    {
        Kind = kind,
        Time = new JournalTimestamp(1_700_000_000 + (long)id, 0),
        Credentials = new Credentials { Uid = 1000, Gid = 1000, Pid = 42 },
        Path = path is null ? null : Encoding.UTF8.GetBytes(path),
        Redo = redo,
    };
}
