using System.Globalization;
using System.Text.RegularExpressions;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// Bad input (issue 22): a store damaged in the middle of a sealed segment, where a moment past the damage is refused
/// naming the segment, the byte and the last transaction that can be restored exactly, and
/// that moment restores exactly what the transactions before the damage wrote; a hostile path.
/// </summary>
public sealed partial class BadInputTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-timetravel-damage-").FullName;

    public void Dispose() => TreeRemoval.Delete(_root);

    [Fact]
    public void A_moment_past_damage_is_refused_naming_segment_offset_and_the_last_exact_transaction_which_restores_exactly()
    {
        var store = Path.Combine(_root, "store");
        const ulong Last = 200;
        using (var writer = SegmentStore.Open(store, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data"), SegmentSize = 8192 }))
        {
            writer.Commit(SeededTransactions.Records(1, BaselineComplete(), 1, StreamId.FirstTransaction)[0]);
            for (ulong id = 2; id <= Last; id++)
                writer.Commit(SeededTransactions.Records(id, SeededTransactions.Payload(id, 300, $"file-{id}", create: true), 1, StreamId.FirstTransaction)[0]);
        }
        var segments = Directory.GetFiles(store, "*.vseg").Order(StringComparer.Ordinal).ToList();
        Assert.True(segments.Count > 4, "the store must fill several segments");
        var damaged = segments[segments.Count / 2];
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x08;
        File.WriteAllBytes(damaged, bytes);

        var refused = Vellum.Run("restore", store, "--at", $"txid:{Last}", "--to", Path.Combine(_root, "all"));
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"txid:{Last}: past what can be read: the store is damaged at {damaged} byte ", refused.Error, StringComparison.Ordinal);
        Assert.False(Path.Exists(Path.Combine(_root, "all")));
        var exact = ulong.Parse(ExactRange().Match(refused.Error).Groups["last"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(exact, 3UL, Last - 10);

        var to = Path.Combine(_root, "exact");
        var restored = Vellum.Run("restore", store, "--at", $"txid:{exact}", "--to", to);
        Assert.True(restored.ExitCode == 0, restored.ToString());
        var names = Directory.GetFiles(to).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(2, (int)exact - 1).Select(id => $"file-{id}").Order(StringComparer.Ordinal), names);
        for (ulong id = 2; id <= exact; id++)
            Assert.Equal(SeededTransactions.Data(id, 300), File.ReadAllBytes(Path.Combine(to, $"file-{id}")));
    }

    [Fact]
    public void A_hostile_path_in_the_journal_is_refused_as_the_mirror_refuses_it_and_nothing_is_written_outside_the_directory()
    {
        var store = Path.Combine(_root, "store");
        using (var writer = SegmentStore.Open(store, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data") }))
        {
            writer.Commit(SeededTransactions.Records(1, BaselineComplete(), 1, StreamId.FirstTransaction)[0]);
            writer.Commit(SeededTransactions.Records(2, SeededTransactions.Payload(2, 30, "../outside", create: true), 1, StreamId.FirstTransaction)[0]);
        }

        var refused = Vellum.Run("restore", store, "--at", "txid:2", "--to", Path.Combine(_root, "into"));

        Assert.True(refused.ExitCode == 2 && refused.Error.Contains("transaction 2", StringComparison.Ordinal) && refused.Error.Contains("../outside", StringComparison.Ordinal), refused.ToString());
        Assert.False(Path.Exists(Path.Combine(_root, "outside")));
    }

    private static byte[] BaselineComplete()
    {
        var buffer = new SubRecordBuffer();
        OperationEncoder.Encode(buffer, new JournalOperation
        {
            Kind = SubRecordType.Baseline,
            Time = new JournalTimestamp(1_700_000_000, 0),
            Credentials = new Credentials { Uid = 0, Gid = 0, Pid = 42, Command = "vellum"u8.ToArray() },
            Redo = new OperationState { Flags = (uint)BaselineFlags.Complete },
        });
        return buffer.ToArray();
    }

    [GeneratedRegex(@"can restore exactly from txid:1 \([^)]*\) to txid:(?<last>[0-9]+) ")]
    private static partial Regex ExactRange();
}
