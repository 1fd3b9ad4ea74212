using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Testing;

namespace Vellum.Mirror.Tests;

/// <summary>The baseline operation (docs/journal-format.md 3.5) applied to a replica: state established, idempotently and path-safely.</summary>
public sealed class BaselineTests : IDisposable
{
    /// <summary>Small DATA pieces, so that a run of data takes several.</summary>
    private const int Piece = 4096;

    /// <summary>The source's atimes before this are set on purpose and compared (1_000_000_000 is 2001-09-09).</summary>
    private static readonly TreeComparisonOptions Exact = new() { AtimesSetBefore = DateTimeOffset.FromUnixTimeSeconds(1_000_000_000) };

    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string Source(string path) => path.Length == 0 ? _work.Source : Path.Combine(_work.Source, path);

    private string Replica(string path) => Path.Combine(_work.Replica, path);

    /// <summary>
    /// Directories, a file with two runs of data around a hole and a hole at its end, an empty
    /// file, a hard link, a symlink, a FIFO, a device, a socket, set-ID bits, owners other than
    /// root, xattrs (the root's too, among them one named like the mirror's position), atimes and
    /// mtimes to the nanosecond, directories' times set after their entries.
    /// </summary>
    private void MakeSource()
    {
        Directory.CreateDirectory(Source("docs/deep"));
        File.WriteAllText(Source("docs/a.txt"), "hello, baseline\n");
        Sys.Link(Source("docs/a.txt"), Source("docs/deep/a-link"));
        using (var sparse = File.OpenHandle(Source("sparse.bin"), FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(sparse, Scenarios.Fill(Piece, 1), 0);
            RandomAccess.Write(sparse, Scenarios.Fill(3 * Piece, 2), 1 << 20);
            RandomAccess.SetLength(sparse, 4 << 20);
        }
        File.WriteAllBytes(Source("empty"), []);
        File.WriteAllBytes(Source("setuid"), "#!/bin/true\n"u8.ToArray());
        File.CreateSymbolicLink(Source("to-a"), "docs/a.txt");
        Sys.Mknod(Source("fifo"), 0x1000 | 0x1B0, 0);
        Sys.Mknod(Source("null-device"), 0x2000 | 0x1B6, (1 << 8) | 3);
        Sys.Mknod(Source("socket"), 0xC000 | 0x1ED, 0);

        Own("docs", 0x1E8, 1000, 1000);
        Own("docs/deep", 0x5C0, 1001, 50); // 02700: setgid directory
        Own("docs/a.txt", 0x1A4, 1000, 1000);
        Own("sparse.bin", 0x180, 1002, 1002);
        Own("empty", 0x1A0, 1004, 1004);
        Own("setuid", 0xDED, 1005, 1005); // 06755
        Own("fifo", 0x1B0, 1000, 1000);
        Own("null-device", 0x1B6, 0, 0);
        Own("socket", 0x1ED, 1000, 1000);
        Sys.Lchown(Source("to-a"), 1003, 1003);
        Sys.SetXattr(Source("docs/a.txt"), "user.colour", "blue"u8.ToArray());
        Sys.SetXattr(Source("docs/a.txt"), "user.empty", []);
        Sys.SetXattr(Source("docs"), "user.kind", "folder"u8.ToArray());
        Sys.SetXattr(Source("sparse.bin"), "trusted.only-root", "t"u8.ToArray());
        Sys.SetXattr(_work.Source, "user.note", "the root's"u8.ToArray());
        Sys.SetXattr(_work.Source, MirrorPosition.XattrName, "not this replica's position"u8.ToArray());

        // Nodes before the directories holding them, the root last.
        var at = 900_000_000L;
        foreach (var path in new[] { "docs/a.txt", "sparse.bin", "empty", "setuid", "fifo", "null-device", "socket", "docs/deep", "docs", "" })
        {
            Sys.SetTimes(Source(path), (at, (uint)(at % 1_000_000_000)), (at + 500_000_000, 123_456_789));
            at += 1_000_001;
        }
        // readlink moves a symlink's atime to now (relatime), so only its mtime is set in the past.
        Sys.SetTimes(Source("to-a"), (1_600_000_000, 5), (1_500_000_001, 7));
    }

    private void Own(string path, uint mode, uint uid, uint gid)
    {
        Sys.Lchown(Source(path), uid, gid);
        Sys.Chmod(Source(path), mode);
    }

    /// <summary>The source as a mount's baseline describes it: each directory's listing ending with its ATTRS, then each file's content, then COMPLETE.</summary>
    private void JournalBaselineOfSource()
    {
        var source = new BaselineSource(_work.Source);
        using var journal = new JournalBuilder(_work.Store);
        journal.Commit(
            source.Name("docs"),
            source.Name("sparse.bin"),
            source.Name("empty", BaselineFlags.Reset | BaselineFlags.Attrs),
            source.Name("setuid"),
            source.Name("to-a", BaselineFlags.Attrs),
            source.Name("fifo", BaselineFlags.Attrs),
            source.Name("null-device", BaselineFlags.Attrs),
            source.Name("socket", BaselineFlags.Attrs),
            source.Attrs(""));
        journal.Commit(source.Name("docs/a.txt"), source.Name("docs/deep"), source.Attrs("docs"));
        journal.Commit(BaselineSource.HardLink("docs/deep/a-link", "docs/a.txt"), source.Attrs("docs/deep"));
        foreach (var file in new[] { "docs/a.txt", "sparse.bin", "setuid" })
        {
            foreach (var operation in source.Content(file, Piece))
                journal.Commit(operation);
        }
        journal.Commit(BaselineSource.Operation(BaselineFlags.Complete, null));
    }

    [Fact]
    public void A_tree_described_only_by_baseline_operations_replays_equal_to_it()
    {
        MakeSource();
        JournalBaselineOfSource();
        var transactions = StoreReading.Transactions(_work.Store);
        Assert.True(transactions.Count >= 10, $"{transactions.Count} transactions");

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(transactions.Count, mirror.CatchUp());

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Exact);
        Assert.Equal(new MirrorPosition(JournalBuilder.JournalId, transactions[^1].TransactionId), StoreReading.Position(_work.Replica));
        Assert.Equal("1048576-1060864", Extents("sparse.bin")[1]);
    }

    [Fact]
    public void Every_baseline_transaction_applied_twice_in_a_row_gives_the_same_tree()
    {
        MakeSource();
        JournalBaselineOfSource();
        Directory.CreateDirectory(_work.Replica);

        using (var applier = new JournalApplier(_work.Replica))
        {
            foreach (var transaction in StoreReading.Transactions(_work.Store))
            {
                applier.Apply(transaction);
                applier.Apply(transaction);
            }
        }

        TreeComparison.AssertEqual(_work.Source, _work.Replica, Exact);
    }

    /// <summary>The case: a file that was there before the journal, changed through the mount afterwards.</summary>
    [Fact]
    public void Changes_journaled_after_the_baseline_of_a_pre_populated_directory_replay_onto_it()
    {
        Directory.CreateDirectory(Source("sub"));
        File.WriteAllText(Source("sub/old.txt"), "old\n");
        Sys.SetTimes(Source("sub/old.txt"), (1_400_000_000, 1), (1_400_000_000, 2));
        Sys.SetTimes(Source("sub"), (1_400_000_000, 3), (1_400_000_000, 4));
        var baseline = new BaselineSource(_work.Source);
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(baseline.Name("sub"), baseline.Attrs(""));
            journal.Commit(baseline.Name("sub/old.txt"), baseline.Attrs("sub"));
            journal.Commit([.. baseline.Content("sub/old.txt", Piece)]);
            journal.Commit(BaselineSource.Operation(BaselineFlags.Complete, null));
            var source = new SourceTree(_work.Source, journal);
            source.Write("sub/old.txt", 4, "new\n"u8.ToArray());
            source.Rename("sub/old.txt", "renamed.txt");
            source.Mkdir("sub/new");
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        Assert.Equal("old\nnew\n", File.ReadAllText(Replica("renamed.txt")));
        TreeComparison.AssertEqual(_work.Source, _work.Replica, Workspace.Options);
    }

    private static JournalOperation NameDirectory(string path, BaselineFlags more = BaselineFlags.None) =>
        BaselineSource.Operation(BaselineFlags.Name | more, path, new OperationState { Attributes = new NodeAttributes { Mode = 0x41ED } });

    private static JournalOperation NameFile(string path, string? content = null, BaselineFlags more = BaselineFlags.None)
    {
        if (content is null)
            return BaselineSource.Operation(BaselineFlags.Name | more, path, new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4 } });
        var data = Encoding.UTF8.GetBytes(content);
        return BaselineSource.Operation(BaselineFlags.Name | BaselineFlags.Reset | BaselineFlags.Data | more, path,
            new OperationState { Attributes = new NodeAttributes { Mode = 0x81A4, Size = (ulong)data.Length }, Offset = 0, Data = data });
    }

    private static JournalOperation NameSymlink(string path, string target) =>
        BaselineSource.Operation(BaselineFlags.Name, path, new OperationState { Attributes = new NodeAttributes { Mode = 0xA1FF }, Target = Encoding.UTF8.GetBytes(target) });

    private static JournalOperation NameNode(string path, uint mode, ulong rdev = 0) =>
        BaselineSource.Operation(BaselineFlags.Name, path, new OperationState { Attributes = new NodeAttributes { Mode = mode, Rdev = rdev } });

    private static JournalOperation Remove(string path, BaselineFlags more = BaselineFlags.None) => BaselineSource.Operation(BaselineFlags.Remove | more, path);

    [Fact]
    public void Remove_takes_a_whole_subtree_without_following_a_symlink_in_it_and_again_finds_nothing_to_do()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(
                NameDirectory("gone"), NameDirectory("gone/sub"), NameDirectory("gone/sub/deeper"), NameFile("gone/sub/deeper/f", "data"),
                NameSymlink("gone/escape", _work.Sentinel), NameSymlink("gone/sub/keep-link", Path.Combine(_work.Sentinel, "keep")),
                NameNode("gone/fifo", 0x11A4), NameFile("kept", "stays"));
            journal.Commit(Remove("gone"));
            journal.Commit(Remove("gone"), Remove("never-there"), Remove("never-there/child"));
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(3, mirror.CatchUp());

        Assert.Equal(["kept"], Names());
        Assert.Equal("stays", File.ReadAllText(Replica("kept")));
        _work.AssertNothingEscaped();
    }

    [Fact]
    public void Name_replaces_a_node_of_another_type_and_keeps_one_of_the_same_type_with_its_content()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(
                NameDirectory("was-dir"), NameFile("was-dir/inner", "inside"), NameDirectory("was-dir/sub"),
                NameFile("was-file", "content"), NameSymlink("link", "old-target"), NameFile("kept", "keep me"),
                NameNode("device", 0x21B6, (1 << 8) | 3), NameDirectory("kept-dir"), NameFile("kept-dir/entry", "entry"));
            journal.Commit(
                NameFile("was-dir"), NameDirectory("was-file"), NameSymlink("link", "new-target"), NameFile("kept"),
                NameNode("device", 0x21B6, (1 << 8) | 5), NameDirectory("kept-dir"));
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        Assert.True(File.Exists(Replica("was-dir")));
        Assert.Equal("", File.ReadAllText(Replica("was-dir")));
        Assert.Equal(0x180u, Sys.Lstat(Replica("was-dir")).Mode & 0xFFF); // made anew: 0600 until ATTRS
        Assert.Empty(Directory.GetFileSystemEntries(Replica("was-file")));
        Assert.Equal("new-target", Encoding.UTF8.GetString(Sys.ReadLink(Replica("link"))));
        Assert.Equal("keep me", File.ReadAllText(Replica("kept")));
        Assert.Equal(NodeInfo.DeviceNumber(1, 5), Sys.Lstat(Replica("device")).Rdev);
        Assert.Equal("entry", File.ReadAllText(Replica("kept-dir/entry")));
    }

    [Fact]
    public void Remove_with_name_makes_a_fresh_node_even_of_the_same_type_and_twice_is_the_same()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(NameFile("file", "old content"), NameDirectory("dir"), NameFile("dir/old-entry", "x"));
            journal.Commit(NameFile("file", more: BaselineFlags.Remove), NameDirectory("dir", BaselineFlags.Remove));
        }
        Directory.CreateDirectory(_work.Replica);
        var transactions = StoreReading.Transactions(_work.Store);

        using (var applier = new JournalApplier(_work.Replica))
        {
            applier.Apply(transactions[0]);
            applier.Apply(transactions[1]);
            applier.Apply(transactions[1]);
        }

        Assert.Equal("", File.ReadAllText(Replica("file")));
        Assert.Empty(Directory.GetFileSystemEntries(Replica("dir")));
    }

    [Fact]
    public void A_hard_link_replaces_what_its_name_held_unless_it_is_the_node_already()
    {
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(NameFile("original", "shared"), NameDirectory("second"), NameFile("second/inside", "x"));
            journal.Commit(BaselineSource.HardLink("second", "original"), BaselineSource.HardLink("third", "original"));
            journal.Commit(BaselineSource.HardLink("second", "original"));
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();

        var inode = Sys.Lstat(Replica("original")).Inode;
        Assert.Equal(inode, Sys.Lstat(Replica("second")).Inode);
        Assert.Equal(inode, Sys.Lstat(Replica("third")).Inode);
        Assert.Equal("shared", File.ReadAllText(Replica("second")));
    }

    [Fact]
    public void Attrs_make_the_xattrs_exactly_those_given_and_keep_the_root_position()
    {
        var source = new BaselineSource(_work.Source);
        File.WriteAllText(Source("f"), "");
        Sys.SetXattr(Source("f"), "user.kept", "new value"u8.ToArray());
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(NameFile("f"));
            journal.Commit(source.Attrs("f"), source.Attrs(""));
        }
        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            mirror.CatchUp();
        Sys.SetXattr(Replica("f"), "user.kept", "old value"u8.ToArray());
        Sys.SetXattr(Replica("f"), "user.stray", "x"u8.ToArray());
        Sys.SetXattr(_work.Replica, "user.stray", "x"u8.ToArray());
        StoreReading.SetPosition(_work.Replica, new MirrorPosition(JournalBuilder.JournalId, 1));

        using (var again = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(1, again.CatchUp());

        Assert.Equal(["user.kept=new value"], Sys.Xattrs(Replica("f")).Select(Show));
        Assert.Equal([MirrorPosition.XattrName], Sys.Xattrs(_work.Replica).Select(xattr => Encoding.UTF8.GetString(xattr.Name)));
        Assert.Equal(new MirrorPosition(JournalBuilder.JournalId, 2), StoreReading.Position(_work.Replica));
    }

    private static string Show(ExtendedAttribute xattr) => $"{Encoding.UTF8.GetString(xattr.Name)}={Encoding.UTF8.GetString(xattr.Value ?? [])}";

    public static TheoryData<string> HostileCases => ["dotdot", "path2-dotdot", "through-symlink", "path2-through-symlink", "absolute"];

    private JournalOperation Hostile(string name) => name switch
    {
        "dotdot" => NameFile("a/../../sentinel/x"),
        "path2-dotdot" => BaselineSource.HardLink("stolen", "../sentinel/keep"),
        "through-symlink" => Remove("link/keep"),
        "path2-through-symlink" => BaselineSource.HardLink("stolen", "link/keep"),
        "absolute" => Remove(Path.Combine(_work.Sentinel, "keep")),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void A_baseline_path_that_could_leave_the_replica_is_refused_before_anything_of_its_transaction_is_applied(string name)
    {
        ulong hostile;
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(NameSymlink("link", _work.Sentinel));
            hostile = journal.Commit(NameFile("first-of-hostile"), Hostile(name));
        }

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var refused = Assert.Throws<MirrorPathException>(() => mirror.CatchUp());

        Assert.Equal(hostile, refused.TransactionId);
        Assert.Equal(["link"], Names());
        _work.AssertNothingEscaped();
    }

    public static TheoryData<string> MalformedCases => ["no-flags", "unknown-flag", "name-without-mode", "symlink-without-target", "unknown-type",
        "reset-without-size", "data-without-offset", "no-path", "path2-without-name", "root-name"];

    private static JournalOperation Malformed(string name) => name switch
    {
        "no-flags" => JournalBuilder.Operation(Journal.Format.SubRecordType.Baseline, "x", redo: new OperationState()),
        "unknown-flag" => BaselineSource.Operation((BaselineFlags)0x80, "x"),
        "name-without-mode" => BaselineSource.Operation(BaselineFlags.Name, "x"),
        "symlink-without-target" => BaselineSource.Operation(BaselineFlags.Name, "x", new OperationState { Attributes = new NodeAttributes { Mode = 0xA1FF } }),
        "unknown-type" => NameNode("x", 0xE1A4),
        "reset-without-size" => BaselineSource.Operation(BaselineFlags.Reset, "x"),
        "data-without-offset" => BaselineSource.Operation(BaselineFlags.Data, "x", new OperationState { Data = "d"u8.ToArray() }),
        "no-path" => BaselineSource.Operation(BaselineFlags.Attrs | BaselineFlags.Complete, null),
        "path2-without-name" => BaselineSource.Operation(BaselineFlags.Attrs, "x", path2: "y"),
        "root-name" => NameDirectory(""),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void A_malformed_baseline_operation_is_refused_before_anything_of_its_transaction_is_applied(string name)
    {
        ulong refusedId;
        using (var journal = new JournalBuilder(_work.Store))
            refusedId = journal.Commit(NameFile("first-of-refused"), Malformed(name));

        using var mirror = MirrorRunner.Open(_work.Store, _work.Replica);
        var refused = Assert.Throws<MirrorApplyException>(() => mirror.CatchUp());

        Assert.StartsWith($"transaction {refusedId}: baseline '", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Names());
    }

    [Fact]
    public void Complete_applies_nothing_and_the_position_passes_it()
    {
        ulong complete;
        using (var journal = new JournalBuilder(_work.Store))
        {
            journal.Commit(NameFile("a", "baseline"));
            complete = journal.Commit(BaselineSource.Operation(BaselineFlags.Complete, null), BaselineSource.Operation(BaselineFlags.Complete | BaselineFlags.Found, null));
        }

        using (var mirror = MirrorRunner.Open(_work.Store, _work.Replica))
            Assert.Equal(2, mirror.CatchUp());

        Assert.Equal(["a"], Names());
        Assert.Equal("baseline", File.ReadAllText(Replica("a")));
        Assert.Equal(new MirrorPosition(JournalBuilder.JournalId, complete), StoreReading.Position(_work.Replica));
    }

    private string[] Names() => [.. Directory.GetFileSystemEntries(_work.Replica).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>The runs of data of a replica file as SEEK_DATA / SEEK_HOLE find them, "start-end" each.</summary>
    private string[] Extents(string path)
    {
        using var file = File.OpenHandle(Replica(path));
        using var fd = Native.LibC.Borrow(file);
        var extents = new List<string>();
        for (long at = 0; ;)
        {
            var start = Native.LibC.LSeek(fd.Fd, at, Native.LibCConstants.SeekData);
            if (start < 0)
                return [.. extents];
            var end = Native.LibC.LSeek(fd.Fd, start, Native.LibCConstants.SeekHole);
            extents.Add($"{start}-{end}");
            at = end;
        }
    }
}
