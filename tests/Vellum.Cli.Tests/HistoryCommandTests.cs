using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Store;

namespace Vellum.Cli.Tests;

public sealed class HistoryCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-history-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// a.txt created, written, renamed to b.txt, unlinked; then another a.txt created; other.txt
    /// between: transactions 1 to 6, or, <paramref name="afterBaseline"/>, 2 to 7 after a baseline
    /// completed by transaction 1 (which makes moments nameable).
    /// </summary>
    private void WriteStore(bool afterBaseline = false)
    {
        using var store = SegmentStore.Open(_directory, Journal.Options());
        var t = Journal.BaseSeconds;
        var id = 0UL;
        if (afterBaseline)
            store.Commit(Journal.Single(++id, Journal.Operation(SubRecordType.Baseline, (string?)null, new JournalTimestamp(t - 1, 0), new OperationState { Flags = (uint)BaselineFlags.Complete })));
        store.Commit(Journal.Single(++id, Result(Journal.Operation(SubRecordType.Create, "a.txt", new JournalTimestamp(t, 0)), 11, 0)));
        store.Commit(Journal.Single(++id, Result(Journal.Operation(SubRecordType.Create, "other.txt", new JournalTimestamp(t + 1, 0)), 12, 0)));
        store.Commit(Journal.Single(++id, Result(Journal.Operation(SubRecordType.Write, "a.txt", new JournalTimestamp(t + 2, 0), new OperationState { Offset = 0, Data = new byte[5] }), 11, 5)));
        store.Commit(Journal.Single(++id, Result(Journal.Operation(SubRecordType.Rename, "a.txt", new JournalTimestamp(t + 3, 0), path2: "b.txt"), 11, 5)));
        store.Commit(Journal.Single(++id, Journal.Operation(SubRecordType.Unlink, "b.txt", new JournalTimestamp(t + 4, 0))));
        store.Commit(Journal.Single(++id, Result(Journal.Operation(SubRecordType.Create, "a.txt", new JournalTimestamp(t + 5, 0)), 13, 0)));
    }

    private static JournalOperation Result(JournalOperation operation, ulong inode, ulong size)
    {
        operation.Result = new OperationResult { Inode = inode, Attributes = new NodeAttributes { Size = size } };
        return operation;
    }

    [Fact]
    public void History_lists_a_file_across_its_rename_oldest_first_and_tells_a_deleted_one_by_an_old_name_apart_from_the_file_there_now()
    {
        WriteStore();

        var gone = Vellum.Run("history", _directory, "b.txt");
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Equal(
        [
            "1 2023-11-14T22:13:20.000000000Z create a.txt size=0 uid=1000 gid=100 pid=4242 comm=touch",
            "3 2023-11-14T22:13:22.000000000Z write a.txt size=5 uid=1000 gid=100 pid=4242 comm=touch",
            "4 2023-11-14T22:13:23.000000000Z rename a.txt -> b.txt size=5 uid=1000 gid=100 pid=4242 comm=touch",
            "5 2023-11-14T22:13:24.000000000Z unlink b.txt uid=1000 gid=100 pid=4242 comm=touch",
        ], gone.Output);
        Assert.Contains(gone.Error, line => line.Contains("b.txt: not the name of anything in the tree now", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, "catalog.sqlite")));

        var now = Vellum.Run("history", _directory, "a.txt", "--json");
        Assert.True(now.ExitCode == 0, now.ToString());
        Assert.Equal(["""{"transid":6,"time":"2023-11-14T22:13:25.000000000Z","op":"create","role":"target","path":"a.txt","path2":null,"size":0,"uid":1000,"gid":100,"pid":4242,"comm":"touch"}"""], now.Output);

        var then = Vellum.Run("history", _directory, "/a.txt", "--until", "txid:5", "--since", "2023-11-14T22:13:21Z");
        Assert.True(then.ExitCode == 0, then.ToString());
        Assert.Equal([3UL, 4UL, 5UL], then.Output.Select(Vellum.IdOf));
        Assert.Contains(then.Error, line => line.Contains("/a.txt: not the name of anything in the tree now (or of what has it now, up to --until)", StringComparison.Ordinal));

        // Ages count back from now: these changes are years old, so an hour ago lists none of them and ten years ago all.
        var recent = Vellum.Run("history", _directory, "b.txt", "--since", "1h");
        var decade = Vellum.Run("history", _directory, "b.txt", "--since", "3650d");
        Assert.True(recent.ExitCode == 0 && decade.ExitCode == 0, $"{recent}\n{decade}");
        Assert.Empty(recent.Output);
        Assert.Equal(gone.Output, decade.Output);
    }

    [Fact]
    public void At_a_moment_the_history_is_of_what_the_path_named_then_whole_and_a_path_that_named_nothing_then_is_refused()
    {
        WriteStore(afterBaseline: true);
        var first = Vellum.Run("history", _directory, "b.txt");
        Assert.Equal([2UL, 4UL, 5UL, 6UL], first.Output.Select(Vellum.IdOf));

        // a.txt at txid:4 is the first file: its whole life, also after its rename and deletion.
        var then = Vellum.Run("history", _directory, "a.txt", "--at", "txid:4");
        Assert.True(then.ExitCode == 0, then.ToString());
        Assert.Equal(first.Output, then.Output);
        Assert.Contains(then.Error, line => line.StartsWith("vellum history: --at txid:4 is txid:4 (2023-11-14T22:13:22", StringComparison.Ordinal) && line.EndsWith("the history of what a.txt named then", StringComparison.Ordinal));
        Assert.Equal(first.Output, Vellum.Run("history", _directory, "b.txt", "--at", "txid:5").Output);

        // a.txt now is the second file, created by transaction 7.
        Assert.Equal([7UL], Vellum.Run("history", _directory, "a.txt", "--at", "txid:7").Output.Select(Vellum.IdOf));

        var nothing = Vellum.Run("history", _directory, "a.txt", "--at", "txid:6");
        Assert.True(nothing.ExitCode == 1, nothing.ToString());
        Assert.Contains(nothing.Error, line => line.StartsWith("vellum history: a.txt named nothing at txid:6 (", StringComparison.Ordinal) && line.Contains($"'vellum ls {_directory} --at txid:6' lists what was there", StringComparison.Ordinal));
    }

    [Fact]
    public void A_path_nothing_had_and_a_moment_that_does_not_parse_are_refused_in_words()
    {
        WriteStore();

        var unknown = Vellum.Run("history", _directory, "never.txt");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains(unknown.Error, line => line.StartsWith("vellum history: never.txt: nothing in the journal ever had that path", StringComparison.Ordinal));

        var moment = Vellum.Run("history", _directory, "a.txt", "--since", "yesterday");
        Assert.Equal(1, moment.ExitCode);
        Assert.Contains(moment.Error, line => line.Contains("--since 'yesterday' is not a moment; a moment is txid:N", StringComparison.Ordinal));
    }

    [Fact]
    public void Damage_in_the_store_ends_the_history_there_naming_the_segment_and_offset()
    {
        WriteStore();
        var segment = Path.Combine(_directory, "0000000000000000.vseg");
        var bytes = File.ReadAllBytes(segment);
        var third = bytes.AsSpan().IndexOf("other.txt"u8);
        third += bytes.AsSpan(third).IndexOf("a.txt"u8);
        bytes[third] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        var result = Vellum.Run("history", _directory, "other.txt");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([2UL], result.Output.Select(Vellum.IdOf));
        Assert.Contains(result.Error, line => line.StartsWith($"vellum history: {segment} at byte ", StringComparison.Ordinal)
            && line.Contains(": damaged record: expected CRC32C", StringComparison.Ordinal) && line.EndsWith("; the history above ends there", StringComparison.Ordinal));
    }
}
