using System.Text;
using Vellum.Native;

namespace Vellum.FuseAdapter.Tests;

/// <summary>
/// Each scenario runs on a plain directory and through the mount, with real syscalls, and
/// must behave the same.
/// </summary>
public abstract class MountBehaviourScenarios(int nodeDescriptorLimit) : IDisposable
{
    private readonly MountedDirectory _mounted = new(nodeDescriptorLimit: nodeDescriptorLimit);

    public void Dispose()
    {
        _mounted.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Create_read_write_and_truncate_behave_like_a_plain_directory() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "file");
        File.WriteAllText(path, "hello world");
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 6;
            stream.Write("WORLD, again"u8);
            stream.SetLength(9);
        }
        var observed = new List<string> { File.ReadAllText(path) };
        File.AppendAllText(path, "+tail");
        observed.Add(File.ReadAllText(path));
        observed.Add(Catch(dir, () => File.ReadAllText(Path.Combine(dir, "missing"))));
        observed.Add(Catch(dir, () => new FileStream(path, FileMode.CreateNew).Dispose()));
        return observed;
    });

    [Fact]
    public void Rename_with_every_flag_behaves_like_a_plain_directory() => _mounted.AssertBehavesLikePlain(dir =>
    {
        string At(string name) => Path.Combine(dir, name);
        File.WriteAllText(At("a"), "A");
        File.WriteAllText(At("b"), "B");
        Directory.CreateDirectory(At("d1/sub"));
        Directory.CreateDirectory(At("d2"));
        return
        [
            $"noreplace over b: {Sys.Rename2(At("a"), At("b"), LibCConstants.RenameNoReplace)}",
            $"noreplace to c: {Sys.Rename2(At("a"), At("c"), LibCConstants.RenameNoReplace)}",
            $"exchange c b: {Sys.Rename2(At("c"), At("b"), LibCConstants.RenameExchange)}",
            $"exchange with missing: {Sys.Rename2(At("c"), At("nothing"), LibCConstants.RenameExchange)}",
            $"exchange file and dir: {Sys.Rename2(At("b"), At("d2"), LibCConstants.RenameExchange)}",
            $"plain over existing: {Sys.Rename2(At("c"), At("d1/sub/c"), 0)}",
            $"dir into itself: {Sys.Rename2(At("d1"), At("d1/sub/x"), 0)}",
            $"dir over non-empty dir: {Sys.Rename2(At("d2"), At("d1"), 0)}",
            $"b holds {File.ReadAllText(At("d2"))}, c holds {File.ReadAllText(At("d1/sub/c"))}",
        ];
    });

    [Fact]
    public void Hard_links_share_an_inode_and_symlinks_keep_their_target() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var original = Path.Combine(dir, "original");
        File.WriteAllText(original, "shared");
        var linked = Path.Combine(dir, "linked");
        var link = Sys.Link(original, linked);
        File.AppendAllText(linked, " bytes");
        File.CreateSymbolicLink(Path.Combine(dir, "symlink"), "original");
        File.CreateSymbolicLink(Path.Combine(dir, "dangling"), "nowhere/at/all");
        return
        [
            $"link {link}, same inode {Stat.Of(original).Ino == Stat.Of(linked).Ino}, nlink {Stat.Of(original).Nlink}",
            File.ReadAllText(original),
            File.ReadAllText(Path.Combine(dir, "symlink")),
            $"link over existing: {Sys.Link(original, linked)}",
            $"lchown symlink: {Sys.Chown(Path.Combine(dir, "symlink"), 1234, 5678)}, owner {Stat.Of(Path.Combine(dir, "symlink")).Uid}",
            new FileInfo(Path.Combine(dir, "dangling")).LinkTarget!,
        ];
    });

    [Fact]
    public void A_file_unlinked_while_open_stays_usable_through_its_descriptor() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "doomed");
        using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        stream.Write("before"u8);
        File.Delete(path);
        stream.Write(" after"u8);
        stream.Position = 0;
        var buffer = new byte[64];
        var read = stream.Read(buffer);
        return [Encoding.ASCII.GetString(buffer, 0, read), $"exists {File.Exists(path)}"];
    });

    [Fact]
    public void Many_opens_of_one_file_in_every_order_of_read_only_and_writable_behave_like_a_plain_directory() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "shared");
        File.WriteAllText(path, "0123456789");
        var buffer = new byte[10];
        using var reader = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using var secondReader = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using var writer = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(writer, "ab"u8, 0);
        using var thirdReader = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using var secondWriter = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(secondWriter, "YZ"u8, 8);
        var seen = new List<string>();
        foreach (var handle in new[] { reader, secondReader, thirdReader, writer })
        {
            var read = RandomAccess.Read(handle, buffer, 0);
            seen.Add(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return seen;
    });

    [Fact]
    public void Mkdir_and_rmdir_behave_like_a_plain_directory() => _mounted.AssertBehavesLikePlain(dir =>
    {
        Directory.CreateDirectory(Path.Combine(dir, "a/b/c"));
        File.WriteAllText(Path.Combine(dir, "a/b/c/f"), "x");
        return
        [
            Catch(dir, () => Directory.Delete(Path.Combine(dir, "a/b"))),
            Catch(dir, () => Directory.Delete(Path.Combine(dir, "nothing"))),
            Catch(dir, () => Directory.CreateDirectory(Path.Combine(dir, "a/b/c/f/g"))),
            Catch(dir, () => Directory.Delete(Path.Combine(dir, "a/b/c"), recursive: true)),
            string.Join(",", Directory.EnumerateFileSystemEntries(Path.Combine(dir, "a"), "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p))),
        ];
    });

    [Fact]
    public void Chmod_chown_and_utimens_set_exactly_what_was_asked() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "owned");
        File.WriteAllText(path, "x");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupWrite | UnixFileMode.OtherExecute | UnixFileMode.SetGroup);
        var chown = Sys.Chown(path, 1234, 5678);
        var when = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc).AddTicks(1234567);
        File.SetLastWriteTimeUtc(path, when);
        var status = Stat.Of(path);
        return [$"chown {chown}", $"mode {Convert.ToString(status.Mode, 8)}", $"owner {status.Uid}:{status.Gid}", $"mtime {status.MtimeSeconds}.{status.MtimeNanoseconds:D9}"];
    });

    [Fact]
    public void A_write_by_an_unprivileged_user_clears_the_set_id_bits() => _mounted.AssertBehavesLikePlain(dir =>
    {
        // pjdfstest chmod/12.t: created with the bits set, then written by another user.
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        var observed = new List<string>();
        foreach (var mode in new[] { "4777", "2777", "6777", "2767" })
        {
            var path = Path.Combine(dir, $"mode-{mode}");
            var (created, _, _) = ChildProcess.Run(ChildProcess.Self, Program.CreateWithMode, path, mode);
            using var writer = System.Diagnostics.Process.Start("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "dd", "if=/dev/zero", $"of={path}", "bs=1", "count=1", "conv=notrunc", "status=none"])!;
            writer.WaitForExit();
            observed.Add($"{mode}: created {created}, write exit {writer.ExitCode}, now {Convert.ToString(Stat.Of(path).Mode & 0xFFF, 8)}");
        }
        return observed;
    });

    [Fact]
    public void Extended_attributes_pass_through() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "tagged");
        File.WriteAllText(path, "x");
        return
        [
            $"set {Sys.SetXattr(path, "user.colour", "blue"u8.ToArray())}",
            $"set big {Sys.SetXattr(path, "user.big", new byte[10_000])}",
            $"create existing {Sys.SetXattr(path, "user.colour", "red"u8.ToArray(), LibCConstants.XattrCreate)}",
            $"replace missing {Sys.SetXattr(path, "user.none", "x"u8.ToArray(), LibCConstants.XattrReplace)}",
            $"get {Encoding.ASCII.GetString(Sys.GetXattr(path, "user.colour").Value)}",
            $"get missing {Sys.GetXattr(path, "user.none").Error}",
            $"list {string.Join(",", Sys.ListXattr(path).Names)}",
            $"remove {Sys.RemoveXattr(path, "user.big")}",
            $"remove missing {Sys.RemoveXattr(path, "user.big")}",
        ];
    });

    [Fact]
    public void Fallocate_and_seek_data_and_hole_behave_like_a_plain_directory() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "sparse");
        var fd = LibC.Open(path, LibCConstants.ORdWr | LibCConstants.OCreat, 0x1A4);
        Assert.True(fd >= 0, $"open: errno {Sys.Errno()}");
        try
        {
            var block = new byte[65536];
            Array.Fill(block, (byte)7);
            LibC.PWrite(fd, block, 0);
            LibC.PWrite(fd, block, 1 << 20);
            return
            [
                $"keep size {Sys.Fallocate(fd, LibCConstants.FallocKeepSize, 4 << 20, 65536)}",
                $"punch {Sys.Fallocate(fd, LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, 16384, 16384)}",
                $"punch without keep size {Sys.Fallocate(fd, LibCConstants.FallocPunchHole, 0, 4096)}",
                $"data from 0: {Sys.Seek(fd, 0, LibCConstants.SeekData)}",
                $"hole from 0: {Sys.Seek(fd, 0, LibCConstants.SeekHole)}",
                $"data from hole: {Sys.Seek(fd, 65536, LibCConstants.SeekData)}",
                $"hole after second block: {Sys.Seek(fd, 1 << 20, LibCConstants.SeekHole)}",
                $"data past end: {Sys.Seek(fd, 8 << 20, LibCConstants.SeekData)}",
            ];
        }
        finally
        {
            LibC.Close(fd);
        }
    });

    [Fact]
    public void A_directory_of_ten_thousand_entries_lists_completely() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var big = Directory.CreateDirectory(Path.Combine(dir, "big")).FullName;
        for (var i = 0; i < 10_000; i++)
            File.Create(Path.Combine(big, $"entry-{i:D5}-with-a-longish-name")).Dispose();
        var names = Directory.EnumerateFileSystemEntries(big).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return [$"{names.Count} entries", names[0]!, names[^1]!, $"distinct {names.Distinct().Count()}"];
    });

    [Fact]
    public void A_four_gibibyte_sparse_file_keeps_its_size_and_its_far_end() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "huge");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
        {
            stream.SetLength(4L << 30);
            stream.Position = (4L << 30) - 5;
            stream.Write("tail!"u8);
        }
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read);
        read.Position = (4L << 30) - 5;
        var tail = new byte[5];
        read.ReadExactly(tail);
        read.Position = 3L << 30;
        var middle = new byte[4];
        read.ReadExactly(middle);
        var status = Stat.Of(path);
        return [$"size {status.Size}", Encoding.ASCII.GetString(tail), $"middle {Convert.ToHexString(middle)}", $"sparse {status.Blocks < 1024}"];
    });

    [Fact]
    public void Concurrent_writers_to_one_file_all_land() => _mounted.AssertBehavesLikePlain(dir =>
    {
        var path = Path.Combine(dir, "shared");
        const int Writers = 8;
        const int Chunk = 64 * 1024;
        File.WriteAllBytes(path, []);
        Parallel.For(0, Writers, writer =>
        {
            var fd = LibC.Open(path, LibCConstants.ORdWr, 0x1A4);
            try
            {
                var data = new byte[Chunk];
                for (var round = 0; round < 16; round++)
                {
                    Array.Fill(data, (byte)(writer * 16 + round));
                    LibC.PWrite(fd, data, ((long)round * Writers + writer) * Chunk);
                }
            }
            finally
            {
                LibC.Close(fd);
            }
        });
        var content = File.ReadAllBytes(path);
        var wrong = Enumerable.Range(0, Writers * 16).Count(i => content[i * Chunk] != (byte)(i % Writers * 16 + i / Writers));
        return [$"size {content.Length}", $"misplaced chunks {wrong}"];
    });

    /// <summary>"ok" or the exception, with the directory's own path taken out so the two runs compare.</summary>
    private static string Catch(string dir, Action action)
    {
        try
        {
            action();
            return "ok";
        }
        catch (Exception error)
        {
            return $"{error.GetType().Name}: {error.Message.Replace(dir, "DIR", StringComparison.Ordinal)}";
        }
    }
}

/// <summary>The scenarios with the default node descriptor limit, which they stay under.</summary>
public sealed class MountBehaviourTests() : MountBehaviourScenarios(0);

/// <summary>
/// The same scenarios with only 16 node descriptors, so that most nodes the kernel holds
/// are reopened by file handle whenever they are used.
/// </summary>
public sealed class MountBehaviourWithFewNodeDescriptorsTests() : MountBehaviourScenarios(16);
