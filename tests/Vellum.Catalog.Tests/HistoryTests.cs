using Microsoft.Data.Sqlite;
using Vellum.Journal.Format;
using Vellum.Testing;

namespace Vellum.Catalog.Tests;

public sealed class HistoryTests
{
    /// <summary>
    /// One file's whole life through the mount, with unrelated files touched between its steps:
    /// created, written, renamed twice, hard-linked, chmod'ed, truncated, written through the link
    /// and deleted by both names.
    /// </summary>
    private const string Life = """
        echo one > f
        echo unrelated > u1
        echo two >> f
        mv f g
        echo u >> u1
        mv g h
        touch u2
        ln h l
        chmod 0600 h
        echo zz > u2
        truncate -s 3 h
        echo through-link >> l
        mv u1 u3
        rm h
        rm l
        echo late > u2
        """;

    [Fact]
    public void History_by_its_last_or_an_older_path_lists_exactly_the_transactions_of_a_file_across_renames_and_hard_links_oldest_first()
    {
        using var workspace = new Workspace();
        using (workspace.Mount())
            workspace.RunInMount(Life);

        var expected = JournalTransactions.Naming(workspace.Journal, "f", "g", "h", "l");
        using var catalog = StoreCatalog.Open(workspace.Journal);
        foreach (var path in new[] { "l", "h", "g", "f", "/f" })
        {
            var answer = catalog.History(path, HistoryRange.All);
            Assert.False(answer.ExistsNow);
            Assert.Equal(expected, answer.Entries.Select(entry => entry.TransactionId));
            Assert.Empty(answer.OtherCandidates);
        }
        var entries = catalog.History("l", HistoryRange.All).Entries;
        SubRecordType[] life =
        [
            SubRecordType.Create, SubRecordType.Write, SubRecordType.Write, SubRecordType.Rename, SubRecordType.Rename, SubRecordType.Link,
            SubRecordType.SetAttr, SubRecordType.SetAttr, SubRecordType.Write, SubRecordType.Unlink, SubRecordType.Unlink,
        ];
        Assert.Equal(life, entries.Select(entry => entry.Operation));
        Assert.Equal("h", System.Text.Encoding.UTF8.GetString(entries[^2].Path!));
        Assert.Equal("l", System.Text.Encoding.UTF8.GetString(entries[^1].Path!));
        Assert.Equal(3UL, entries.Single(entry => entry.Operation == SubRecordType.SetAttr && entry.SizeAfter == 3).SizeAfter);
        Assert.All(entries, entry => Assert.Equal(0u, entry.Uid));

        // The unrelated file keeps its own history, across its rename.
        Assert.Equal(JournalTransactions.Naming(workspace.Journal, "u1", "u3"), catalog.History("u3", HistoryRange.All).Entries.Select(entry => entry.TransactionId));
        Assert.True(catalog.History("u3", HistoryRange.All).ExistsNow);
    }

    [Fact]
    public void Each_entry_names_the_command_that_made_the_change_and_the_baseline_names_vellum()
    {
        using var workspace = new Workspace();
        File.WriteAllText(Path.Combine(workspace.Backing, "old"), "there before the mount\n");
        using (workspace.Mount())
            workspace.RunInMount("cp /etc/os-release f; touch f; mv f g; python3 -c \"open('g', 'a').write('x')\"; cat g > old");

        using var catalog = StoreCatalog.Open(workspace.Journal);
        var made = catalog.History("g", HistoryRange.All).Entries;
        Assert.Equal(["cp", "touch", "mv", "python3"], made.Select(entry => Command(entry)).Distinct());
        Assert.All(made, entry => Assert.NotEqual(0u, entry.Pid));
        var old = catalog.History("old", HistoryRange.All).Entries;
        Assert.All(old.Where(entry => entry.Operation == SubRecordType.Baseline), entry => Assert.Equal("vellum", Command(entry)));
        // The redirection opens (truncates) the file in the shell's child, which then becomes cat by exec and writes it.
        Assert.Equal(["bash", "cat"], old.Where(entry => entry.Operation != SubRecordType.Baseline).Select(entry => Command(entry)));
    }

    private static string? Command(HistoryEntry entry) => entry.Command is { } command ? System.Text.Encoding.UTF8.GetString(command) : null;

    [Fact]
    public void A_name_the_check_after_an_unclean_stop_found_gone_is_removed_and_not_brought_back()
    {
        // What the check after a kill -9 writes when a file went away in the backing directory
        // meanwhile: a baseline REMOVE of its name, with no node to establish there.
        var store = Directory.CreateTempSubdirectory("vellum-catalog-found-gone-").FullName;
        try
        {
            using (var writer = Store.SegmentStore.Open(store, new Store.StoreOptions { Header = JournalHeader.Create(Guid.NewGuid(), 1, "test-host", "/data") }))
            {
                var id = 0UL;
                foreach (var (flags, inode) in new[] { (BaselineFlags.Name | BaselineFlags.Attrs, (ulong?)7), (BaselineFlags.Complete, null), (BaselineFlags.Remove | BaselineFlags.Found, null) })
                    writer.Commit(SeededTransactions.Records(++id, Baseline(flags, flags == BaselineFlags.Complete ? null : "x", inode), 1, Journal.Format.StreamId.FirstTransaction)[0]);
            }

            using var catalog = StoreCatalog.Open(store);
            var answer = catalog.History("x", HistoryRange.All);
            Assert.False(answer.ExistsNow);
            Assert.Equal([1UL, 3UL], answer.Entries.Select(entry => entry.TransactionId));
            Assert.Equal(CatalogRole.Removed, answer.Entries[^1].Role);
            Assert.Empty(answer.OtherCandidates);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static byte[] Baseline(BaselineFlags flags, string? path, ulong? inode)
    {
        var buffer = new Journal.Operations.SubRecordBuffer();
        Journal.Operations.OperationEncoder.Encode(buffer, new Journal.Operations.JournalOperation
        {
            Kind = SubRecordType.Baseline,
            Time = new JournalTimestamp(1_700_000_000, 0),
            Credentials = new Journal.Operations.Credentials { Pid = 42, Command = "vellum"u8.ToArray() },
            Path = path is null ? null : System.Text.Encoding.UTF8.GetBytes(path),
            Inode = inode,
            Redo = new Journal.Operations.OperationState
            {
                Flags = (uint)flags,
                Attributes = inode is null ? null : new Journal.Operations.NodeAttributes { Mode = 0x81A4 },
            },
        });
        return buffer.ToArray();
    }

    [Fact]
    public void A_pre_populated_directorys_baseline_is_a_files_first_entry_and_a_live_mounts_store_answers_without_disturbing_it()
    {
        using var workspace = new Workspace();
        Directory.CreateDirectory(Path.Combine(workspace.Backing, "docs"));
        File.WriteAllText(Path.Combine(workspace.Backing, "docs", "old.txt"), "there before the mount\n");
        using var host = workspace.Mount();
        workspace.RunInMount("echo appended >> docs/old.txt; mv docs papers; echo x > other; sync");

        // Durable within the commit interval: the catalog sees it once the mount synced it.
        IReadOnlyList<HistoryEntry> entries = [];
        Assert.True(Poll.Until(() =>
        {
            using var catalog = StoreCatalog.Open(workspace.Journal);
            entries = catalog.History("papers/old.txt", HistoryRange.All).Entries;
            return entries.Any(entry => entry.Operation == SubRecordType.Write);
        }, Workspace.Patience), workspace.Log.Text);
        Assert.Equal(SubRecordType.Baseline, entries[0].Operation);
        Assert.Equal("docs/old.txt", System.Text.Encoding.UTF8.GetString(entries[0].Path!));
        Assert.Equal(SubRecordType.Write, entries[^1].Operation);
        Assert.Equal((ulong)"there before the mount\nappended\n".Length, entries[^1].SizeAfter);
        workspace.RunInMount("echo still >> papers/old.txt; cat papers/old.txt > /dev/null");
    }

    [Fact]
    public void The_catalog_rebuilt_after_deletion_and_after_garbage_and_brought_up_to_date_by_reading_only_new_bytes_gives_the_same_answer()
    {
        using var workspace = new Workspace();
        using (workspace.Mount())
            workspace.RunInMount(Life);
        var path = Path.Combine(workspace.Journal, StoreCatalog.FileName);

        List<ulong> first;
        using (var catalog = StoreCatalog.Open(workspace.Journal))
        {
            Assert.Equal("missing", catalog.LastUpdate.RebuiltBecause);
            first = [.. catalog.History("l", HistoryRange.All).Entries.Select(entry => entry.TransactionId)];
        }
        using (var catalog = StoreCatalog.Open(workspace.Journal))
        {
            Assert.Null(catalog.LastUpdate.RebuiltBecause);
            Assert.Equal(0, catalog.LastUpdate.StoreBytesRead);
        }

        File.Delete(path);
        Assert.Equal(first, Answer(workspace, "l", out var deleted));
        Assert.Equal("missing", deleted.RebuiltBecause);

        var garbage = new byte[new FileInfo(path).Length];
        new Random(22).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);
        Assert.Equal(first, Answer(workspace, "l", out var damaged));
        Assert.StartsWith("damaged", damaged.RebuiltBecause);

        long indexedUpTo;
        using (var catalog = StoreCatalog.Open(workspace.Journal))
            indexedUpTo = catalog.LastUpdate.IndexedUpTo;
        using (workspace.Mount())
            workspace.RunInMount("echo new > fresh; mv u3 u4");
        var storeEnd = StoreEnd(workspace.Journal);
        Assert.Equal(first, Answer(workspace, "l", out var grown));
        Assert.Null(grown.RebuiltBecause);
        Assert.Equal(storeEnd - indexedUpTo, grown.StoreBytesRead);
        Assert.Equal(storeEnd, grown.IndexedUpTo);
        Assert.Equal(JournalTransactions.Naming(workspace.Journal, "u1", "u3", "u4"), Answer(workspace, "u4", out _));
        Assert.Equal(JournalTransactions.Naming(workspace.Journal, "fresh"), Answer(workspace, "fresh", out _));
    }

    [Fact]
    public void The_catalog_and_its_side_files_are_owner_only()
    {
        using var workspace = new Workspace();
        using (workspace.Mount())
            workspace.RunInMount("echo a > a");
        using (StoreCatalog.Open(workspace.Journal))
        {
        }
        var path = Path.Combine(workspace.Journal, StoreCatalog.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(workspace.Journal, "catalog.lock")));

        // The rollback journal SQLite makes while the catalog is written gets the catalog's mode.
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var write = connection.CreateCommand())
        {
            write.Transaction = transaction;
            write.CommandText = "INSERT OR REPLACE INTO meta(key, value) VALUES ('test', 1)";
            write.ExecuteNonQuery();
        }
        var sideFiles = Directory.EnumerateFiles(workspace.Journal, StoreCatalog.FileName + "-*").ToList();
        Assert.NotEmpty(sideFiles);
        Assert.All(sideFiles, side => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(side)));
        transaction.Rollback();
    }

    private static List<ulong> Answer(Workspace workspace, string path, out CatalogUpdate update)
    {
        using var catalog = StoreCatalog.Open(workspace.Journal);
        update = catalog.LastUpdate;
        return [.. catalog.History(path, HistoryRange.All).Entries.Select(entry => entry.TransactionId)];
    }

    private static long StoreEnd(string store)
    {
        using var opened = Store.SegmentStore.OpenReadOnly(store);
        return opened.WrittenPosition;
    }
}
