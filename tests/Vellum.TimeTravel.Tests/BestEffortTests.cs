using System.Globalization;
using System.Text.RegularExpressions;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `restore --best-effort` (issue 22, bad input): on a store damaged in the middle of a sealed
/// segment, a restore goes on past the damage, restores exactly everything it could read, and
/// lists what it could not: the transactions lost, and their paths where the catalog indexed
/// them before the damage. Without the option the restore stops at the damage and says up to
/// which transaction the result is exact, even when the catalog already knew the later ones.
/// </summary>
public sealed partial class BestEffortTests : IDisposable
{
    private const ulong Last = 200;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-timetravel-best-effort-").FullName;

    public void Dispose() => TreeRemoval.Delete(_root);

    [Fact]
    public void Past_damage_every_readable_file_is_restored_exactly_and_the_lost_ones_are_listed_by_path_when_the_catalog_knew_them()
    {
        var store = MakeStore();
        var indexed = Vellum.Run("history", store, "file-2");
        Assert.True(indexed.ExitCode == 0, indexed.ToString());
        Damage(store);

        var stopped = Vellum.Run("restore", store, "--at", $"txid:{Last}", "--to", Path.Combine(_root, "stopped"));
        Assert.True(stopped.ExitCode == 2 && stopped.Error.Contains("--best-effort", StringComparison.Ordinal), stopped.ToString());
        var exact = ulong.Parse(ExactThrough().Match(stopped.Error).Groups["id"].Value, CultureInfo.InvariantCulture);
        RequireFiles(Path.Combine(_root, "stopped"), id => id <= exact);

        var to = Path.Combine(_root, "best");
        var restored = Vellum.Run("restore", store, "--at", $"txid:{Last}", "--to", to, "--best-effort");
        Assert.True(restored.ExitCode == 2, restored.ToString());
        var (from, through) = LostRange(restored);
        Assert.Equal(exact + 1, from);
        Assert.InRange(through, from, Last - 1);
        RequireFiles(to, id => id < from || id > through);
        var listed = restored.Error.Split('\n').Where(line => line.StartsWith("  ", StringComparison.Ordinal)).Select(line => line.Trim()).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range((int)from, (int)(through - from + 1)).Select(id => $"file-{id}").Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public void Past_damage_the_catalog_has_not_indexed_the_moment_after_it_can_be_named_and_the_lost_transactions_are_listed()
    {
        var store = MakeStore();
        Damage(store);

        var refused = Vellum.Run("restore", store, "--at", $"txid:{Last}", "--to", Path.Combine(_root, "refused"));
        Assert.True(refused.ExitCode == 2 && refused.Error.Contains("past what can be read", StringComparison.Ordinal), refused.ToString());

        var to = Path.Combine(_root, "best");
        var restored = Vellum.Run("restore", store, "--at", $"txid:{Last}", "--to", to, "--best-effort", "--json");
        Assert.True(restored.ExitCode == 2 && restored.Output.Contains("\"lost\":[\"transactions ", StringComparison.Ordinal), restored.ToString());
        var (from, through) = LostRange(restored);
        Assert.InRange(from, 3UL, through);
        Assert.InRange(through, from, Last - 1);
        RequireFiles(to, id => id < from || id > through);
    }

    /// <summary>Files file-2 .. file-Last with their bytes, exactly those <paramref name="restored"/> says.</summary>
    private static void RequireFiles(string directory, Func<ulong, bool> restored)
    {
        for (ulong id = 2; id <= Last; id++)
        {
            var path = Path.Combine(directory, $"file-{id}");
            Assert.True(File.Exists(path) == restored(id), $"file-{id} is {(File.Exists(path) ? "there" : "missing")} in {directory}");
            if (restored(id))
                Assert.Equal(SeededTransactions.Data(id, 300), File.ReadAllBytes(path));
        }
    }

    private static (ulong From, ulong Through) LostRange(Result result)
    {
        var match = Lost().Match(result.Error);
        Assert.True(match.Success, result.ToString());
        return (ulong.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture), ulong.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>A baseline's completion, then transactions 2..Last each making file-ID with 300 bytes, in segments of 8 KiB.</summary>
    private string MakeStore()
    {
        var store = Path.Combine(_root, "store");
        using var writer = SegmentStore.Open(store, new StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data"), SegmentSize = 8192 });
        var complete = new SubRecordBuffer();
        OperationEncoder.Encode(complete, new JournalOperation
        {
            Kind = SubRecordType.Baseline,
            Time = new JournalTimestamp(1_700_000_000, 0),
            Credentials = new Credentials { Pid = 42 },
            Redo = new OperationState { Flags = (uint)BaselineFlags.Complete },
        });
        writer.Commit(SeededTransactions.Records(1, complete.ToArray(), 1, StreamId.FirstTransaction)[0]);
        for (ulong id = 2; id <= Last; id++)
            writer.Commit(SeededTransactions.Records(id, SeededTransactions.Payload(id, 300, $"file-{id}", create: true), 1, StreamId.FirstTransaction)[0]);
        return store;
    }

    /// <summary>One bit flipped in the middle of the middle segment.</summary>
    private static void Damage(string store)
    {
        var segments = Directory.GetFiles(store, "*.vseg").Order(StringComparer.Ordinal).ToList();
        Assert.True(segments.Count > 4, "the store must fill several segments");
        var damaged = segments[segments.Count / 2];
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x08;
        File.WriteAllBytes(damaged, bytes);
    }

    [GeneratedRegex(@"holds exactly the state after txid:(?<id>[0-9]+) ")]
    private static partial Regex ExactThrough();

    [GeneratedRegex(@"could not read transactions (?<from>[0-9]+) to (?<to>[0-9]+) ")]
    private static partial Regex Lost();
}
