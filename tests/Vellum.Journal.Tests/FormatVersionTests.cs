using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;

namespace Vellum.Journal.Tests;

/// <summary>
/// Format version 2 lifted PATH and PATH2 from 4096 bytes to 1 MiB; everything else is as in
/// version 1, so a journal written before the change must read exactly as it did.
/// </summary>
public class FormatVersionTests
{
    /// <summary>
    /// Segments written by `vellum mount` at format versions 1 (commit adce9a5) and 2 (commit
    /// ab76849, the last before the baseline operation): mkdir dir, echo -n hello > dir/file,
    /// ln dir/file dir/link, mv dir/link moved, chmod 600 moved, ln -s dir/file sym, rm sym.
    /// </summary>
    [Theory]
    [InlineData("version1.vseg", 1, "/tmp/v1fix/B")]
    [InlineData("version2.vseg", 2, "/tmp/v2fix/B")]
    public void A_journal_written_by_a_previous_release_reads_as_it_was_written(string fixture, int version, string mountRoot)
    {
        var result = JournalScanner.ReadAll(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture)));

        Assert.Null(result.Error);
        Assert.Empty(result.IncompleteTransactions);
        Assert.Equal((version, version), ((int)result.Header!.Version, (int)result.Header.MinCompatibleVersion));
        Assert.Equal(mountRoot, result.Header.MountRoot);
        var operations = result.Entries.OfType<TransactionEntry>().Select(t => Assert.Single(t.Operations)).ToList();
        Assert.Equal(
            ["Mkdir dir", "Create dir/file", "Write dir/file", "Link dir/file dir/link", "Rename dir/link moved", "SetAttr dir/file", "Symlink sym", "Unlink sym"],
            operations.Select(Describe));
        Assert.Equal("hello"u8.ToArray(), operations[2].Redo!.Data!.Value.ToArray());
        Assert.Equal("dir/file"u8.ToArray(), operations[6].Redo!.Target);
        Assert.All(operations, operation => Assert.NotNull(operation.Result));
    }

    [Fact]
    public void A_path_of_the_largest_length_reads_back_whole_and_one_byte_more_is_refused_before_it_is_read()
    {
        var longest = LongPath(JournalLimits.MaxPathLength);
        var operation = new JournalOperation
        {
            Kind = SubRecordType.Rename,
            Credentials = new Credentials { Uid = 1, Gid = 2, Pid = 3 },
            Path = longest,
            Path2 = LongPath(JournalLimits.Version1MaxPathLength + 1),
            Redo = new OperationState { Flags = 0 },
        };
        var journal = new TestJournal();
        journal.AddTransactions(new Random(3), [new PlannedTransaction([operation])]);

        var result = JournalScanner.ReadAll(journal.ToArray());

        Assert.Null(result.Error);
        var read = Assert.Single(Assert.Single(result.Entries.OfType<TransactionEntry>()).Operations);
        Assert.Equal(longest, read.Path);
        Assert.Equal(operation.Path2, read.Path2);

        operation.Path = LongPath(JournalLimits.MaxPathLength + 1);
        var tooLong = new TestJournal();
        tooLong.AddTransactions(new Random(3), [new PlannedTransaction([operation])]);
        var refused = JournalScanner.ReadAll(tooLong.ToArray());
        Assert.Equal("PATH (0x0306) data of at most 1048576 bytes", refused.Error?.Expected);
    }

    /// <summary>Components of 255 bytes joined by '/', cut to <paramref name="length"/> bytes.</summary>
    private static byte[] LongPath(int length)
    {
        var path = new byte[length];
        for (var i = 0; i < length; i++)
            path[i] = i % 256 == 255 ? (byte)'/' : (byte)('a' + i % 26);
        return path;
    }

    private static string Describe(JournalOperation operation) =>
        string.Join(' ', new[] { operation.Kind.ToString(), Text(operation.Path), Text(operation.Path2) }.Where(part => part.Length > 0));

    private static string Text(byte[]? path) => path is null ? "" : Encoding.UTF8.GetString(path);
}
