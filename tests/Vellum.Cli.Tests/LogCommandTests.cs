using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Cli.Tests;

public sealed class LogCommandTests : IDisposable
{
    private const string Cred = "uid=1000 gid=100 pid=4242 comm=touch";

    private static readonly byte[] BadName = [.. "bad"u8, 0xFF, .. " name"u8];

    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Six transactions: create, write, rename+truncate (one transaction), aborted, unlink of a non-UTF-8 name, fallocate.</summary>
    private void WriteMixedStore()
    {
        using var store = SegmentStore.Open(_directory, Journal.Options());
        var t = Journal.BaseSeconds;
        store.Commit(Journal.Single(1, Journal.Operation(SubRecordType.Create, "docs/a.txt", new JournalTimestamp(t, 123_456_789),
            new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4, Uid = 1000, Gid = 100 } })));
        store.Commit(Journal.Single(2, Journal.Operation(SubRecordType.Write, "docs/a.txt", new JournalTimestamp(t + 1, 5),
            new OperationState { Offset = 4096, Data = new byte[10] }, uid: 0, gid: 0, pid: 7, command: "dd")));
        store.Commit(Journal.Single(3,
            Journal.Operation(SubRecordType.Rename, "docs/a.txt", new JournalTimestamp(t + 2, 0), path2: "docs/b.txt"),
            Journal.Operation(SubRecordType.Truncate, "docs/b.txt", new JournalTimestamp(t + 2, 1),
                new OperationState { Attributes = new NodeAttributes { Size = 3 } })));
        var begun = Journal.Records(4, Journal.Payload(Journal.Write(4)), pieces: 2);
        store.Append(begun[0]);
        store.Commit(Journal.Abort(4));
        store.Commit(Journal.Single(5, Journal.Operation(SubRecordType.Unlink, BadName, new JournalTimestamp(t + 5, 0), command: null)));
        store.Commit(Journal.Single(6, Journal.Operation(SubRecordType.Fallocate, "docs/b.txt", new JournalTimestamp(t + 6, 0),
            new OperationState { Flags = 1, Offset = 8192, Length = 65536 })));
    }

    [Fact]
    public void Text_output_is_one_line_per_operation_with_time_kind_paths_sizes_and_credentials()
    {
        WriteMixedStore();

        var result = Vellum.Run("log", _directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Equal(
        [
            $"1 2023-11-14T22:13:20.123456789Z create docs/a.txt {Cred}",
            "2 2023-11-14T22:13:21.000000005Z write docs/a.txt offset=4096 length=10 uid=0 gid=0 pid=7 comm=dd",
            $"3 2023-11-14T22:13:22.000000000Z rename docs/a.txt -> docs/b.txt {Cred}",
            $"3 2023-11-14T22:13:22.000000001Z truncate docs/b.txt size=3 {Cred}",
            "4 - aborted",
            @"5 2023-11-14T22:13:25.000000000Z unlink bad\xff\x20name uid=1000 gid=100 pid=4242",
            $"6 2023-11-14T22:13:26.000000000Z fallocate docs/b.txt offset=8192 length=65536 {Cred}",
        ], result.Output);
    }

    [Fact]
    public void Json_lines_carry_exactly_the_documented_fields_with_the_values_written()
    {
        WriteMixedStore();

        var result = Vellum.Run("log", _directory, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Equal(7, result.Output.Length);
        var objects = result.Output.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        foreach (var json in objects)
            Assert.Equal(["transid", "time", "op", "path", "path2", "offset", "length", "uid", "gid", "pid", "comm"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal([1UL, 2, 3, 3, 4, 5, 6], objects.Select(json => json.GetProperty("transid").GetUInt64()));

        var write = objects[1];
        Assert.Equal("2023-11-14T22:13:21.000000005Z", write.GetProperty("time").GetString());
        Assert.Equal("write", write.GetProperty("op").GetString());
        Assert.Equal("docs/a.txt", write.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, write.GetProperty("path2").ValueKind);
        Assert.Equal(4096UL, write.GetProperty("offset").GetUInt64());
        Assert.Equal(10UL, write.GetProperty("length").GetUInt64());
        Assert.Equal(0U, write.GetProperty("uid").GetUInt32());
        Assert.Equal(0U, write.GetProperty("gid").GetUInt32());
        Assert.Equal(7U, write.GetProperty("pid").GetUInt32());
        Assert.Equal("dd", write.GetProperty("comm").GetString());

        var rename = objects[2];
        Assert.Equal("rename", rename.GetProperty("op").GetString());
        Assert.Equal("docs/a.txt", rename.GetProperty("path").GetString());
        Assert.Equal("docs/b.txt", rename.GetProperty("path2").GetString());
        Assert.Equal(JsonValueKind.Null, rename.GetProperty("offset").ValueKind);
        Assert.Equal(1000U, rename.GetProperty("uid").GetUInt32());
        Assert.Equal(100U, rename.GetProperty("gid").GetUInt32());
        Assert.Equal(4242U, rename.GetProperty("pid").GetUInt32());
        Assert.Equal("touch", rename.GetProperty("comm").GetString());

        var aborted = objects[4];
        Assert.Equal("aborted", aborted.GetProperty("op").GetString());
        Assert.Equal(JsonValueKind.Null, aborted.GetProperty("time").ValueKind);
        Assert.Equal(JsonValueKind.Null, aborted.GetProperty("path").ValueKind);

        var unlink = objects[5];
        Assert.Equal(@"bad\xff name", unlink.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, unlink.GetProperty("comm").ValueKind);

        var fallocate = objects[6];
        Assert.Equal(8192UL, fallocate.GetProperty("offset").GetUInt64());
        Assert.Equal(65536UL, fallocate.GetProperty("length").GetUInt64());
    }

    [Theory]
    [InlineData("7", "23", 7, 23)]
    [InlineData("35", null, 35, 40)]
    [InlineData(null, "3", 1, 3)]
    [InlineData("12", "12", 12, 12)]
    public void From_and_to_bound_the_transaction_ids_inclusively_across_segments(string? from, string? to, int first, int last)
    {
        Journal.WriteStore(_directory, 40, Journal.Options(segmentSize: 2048, indexSpacing: 256));
        Assert.True(Directory.GetFiles(_directory).Length > 3);
        string[] args = ["log", _directory, .. from is null ? [] : new[] { "--from", from }, .. to is null ? [] : new[] { "--to", to }];

        var result = Vellum.Run(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Enumerable.Range(first, last - first + 1).Select(i => (ulong)i), result.Output.Select(Vellum.IdOf));
    }

    [Fact]
    public void To_still_prints_a_transaction_that_ends_after_a_later_one_began_and_ended()
    {
        using (var store = SegmentStore.Open(_directory, Journal.Options(segmentSize: 4096, indexSpacing: 256)))
        {
            for (ulong id = 1; id <= 3; id++)
                store.Commit(Journal.SingleWrite(id));
            var big = Journal.Records(4, Journal.Payload(Journal.Write(4, 6000)), pieces: 3);
            store.Append(big[0]);
            store.Append(Journal.SingleWrite(5, stream: Journal.Stream + 1));
            store.Append(big[1]);
            store.Commit(big[2]);
            for (ulong id = 6; id <= 30; id++)
                store.Commit(Journal.SingleWrite(id));
        }

        var only = Vellum.Run("log", _directory, "--from", "4", "--to", "4");
        var upTo = Vellum.Run("log", _directory, "--to", "4");

        Assert.True(only.ExitCode == 0, only.ToString());
        Assert.Equal([4UL], only.Output.Select(Vellum.IdOf));
        Assert.Equal([1UL, 2, 3, 4], upTo.Output.Select(Vellum.IdOf));
    }

    [Fact]
    public void A_single_segment_file_reads_alone_and_refuses_follow()
    {
        Journal.WriteStore(_directory, 60, Journal.Options(segmentSize: 4096));
        var files = Directory.GetFiles(_directory).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 3);
        var segment = files[1];
        var expected = JournalScanner.ReadAll(File.ReadAllBytes(segment)).Entries.OfType<TransactionEntry>().Select(t => t.TransactionId).ToList();
        Assert.NotEmpty(expected);
        Assert.DoesNotContain(1UL, expected);

        var result = Vellum.Run("log", segment, "--json");
        var follow = Vellum.Run("log", segment, "--follow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.Output.Select(Vellum.IdOf));
        Assert.All(result.Output, line => Assert.Equal($"file-{Vellum.IdOf(line)}", JsonDocument.Parse(line).RootElement.GetProperty("path").GetString()));
        Assert.Equal(1, follow.ExitCode);
        Assert.Empty(follow.Output);
        Assert.Contains("--follow", Assert.Single(follow.Error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_store_prints_what_precedes_the_damage_then_places_it_and_exits_2()
    {
        Journal.WriteStore(_directory, 60, Journal.Options(segmentSize: 4096));
        var newest = Directory.GetFiles(_directory).Order(StringComparer.Ordinal).Last();
        var (damagedId, offset) = FlipByteInMiddleTransaction(newest);

        var result = Vellum.Run("log", _directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(Enumerable.Range(1, (int)damagedId - 1).Select(i => (ulong)i), result.Output.Select(Vellum.IdOf));
        var error = Assert.Single(result.Error);
        Assert.StartsWith($"vellum log: {newest} at byte {offset}: ", error, StringComparison.Ordinal);

        // Reading stops after --to, at the first checkpoint with no selected transaction open: the damage is not reached.
        var early = Vellum.Run("log", _directory, "--to", "5");
        Assert.True(early.ExitCode == 0, early.ToString());
        Assert.Equal([1UL, 2, 3, 4, 5], early.Output.Select(Vellum.IdOf));
        Assert.Empty(early.Error);
    }

    [Fact]
    public void A_damaged_segment_file_prints_what_precedes_the_damage_then_places_it_and_exits_2()
    {
        Journal.WriteStore(_directory, 20);
        var segment = Assert.Single(Directory.GetFiles(_directory));
        var (damagedId, offset) = FlipByteInMiddleTransaction(segment);

        var result = Vellum.Run("log", segment);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(Enumerable.Range(1, (int)damagedId - 1).Select(i => (ulong)i), result.Output.Select(Vellum.IdOf));
        var error = Assert.Single(result.Error);
        Assert.StartsWith($"vellum log: {segment} at byte {offset}: corrupt journal", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("log", null, "PATH")]
    [InlineData("log", "--from", "--from")]
    [InlineData("log", "STORE --from abc", "'abc'")]
    [InlineData("log", "STORE --bogus", "--bogus")]
    [InlineData("log", "STORE --from 9 --to 3", "--to 3")]
    public void Bad_arguments_fail_with_one_line_and_exit_1(string command, string? rest, string mentioned)
    {
        Journal.WriteStore(_directory, 3);
        string[] args = [command, .. rest is null ? [] : rest.Replace("STORE", _directory, StringComparison.Ordinal).Split(' ')];

        var result = Vellum.Run(args);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error);
        Assert.StartsWith("vellum log: ", line, StringComparison.Ordinal);
        Assert.Contains(mentioned, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_that_does_not_exist_fails_with_one_line_and_exit_3()
    {
        var result = Vellum.Run("log", "/nonexistent/vellum-store");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error);
        Assert.StartsWith("vellum log: /nonexistent/vellum-store: no such file or directory", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_prints_transactions_appended_after_it_started_and_exits_0_on_sigterm()
    {
        using var store = SegmentStore.Open(_directory, Journal.Options());
        store.Commit(Journal.SingleWrite(1));
        using var child = Vellum.Start("log", _directory, "--follow");
        var errors = child.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal(1UL, Vellum.IdOf(await NextLine(child)));

            store.Commit(Journal.SingleWrite(2));
            Assert.StartsWith("2 2023-11-14T22:13:22.000000000Z write file-2 offset=0 length=100 ", await NextLine(child), StringComparison.Ordinal);

            // Transaction 3 is begun, 4 commits, then 3 ends: each is printed once, in the order they end.
            var three = Journal.Records(3, Journal.Payload(Journal.Write(3, 500)), pieces: 2);
            store.Append(three[0]);
            store.Commit(Journal.SingleWrite(4, stream: Journal.Stream + 1));
            Assert.Equal(4UL, Vellum.IdOf(await NextLine(child)));
            store.Commit(three[1]);
            Assert.Equal(3UL, Vellum.IdOf(await NextLine(child)));

            using (var kill = Process.Start("kill", ["-TERM", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                kill.WaitForExit();
            await child.WaitForExitAsync().WaitAsync(Vellum.Patience);
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }

        Assert.Equal(0, child.ExitCode);
        Assert.Equal("", await child.StandardOutput.ReadToEndAsync());
        Assert.Equal("", await errors);
    }

    /// <summary>The child's next output line; a timeout fails the test rather than hanging it.</summary>
    private static async Task<string> NextLine(Process child) =>
        await child.StandardOutput.ReadLineAsync().WaitAsync(Vellum.Patience) ?? throw new InvalidOperationException("vellum log --follow ended its output");

    /// <summary>Flips a payload byte of a one-record transaction in the middle of <paramref name="file"/>: its id and the record's offset.</summary>
    private static (ulong Id, long Offset) FlipByteInMiddleTransaction(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var transactions = JournalScanner.ReadAll(bytes).Entries.OfType<TransactionEntry>().ToList();
        Assert.True(transactions.Count >= 5, $"{transactions.Count} transactions in {file}");
        var victim = transactions[transactions.Count / 2];
        Assert.Equal(victim.BeginOffset, victim.Offset);
        bytes[victim.Offset + 40] ^= 0x01;
        File.WriteAllBytes(file, bytes);
        return (victim.TransactionId, victim.Offset);
    }
}
