using System.Text;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Fuse.Tests;

/// <summary>A real mount of <see cref="MemoryFileSystem"/>, driven through File APIs and syscalls.</summary>
public sealed class MountTests(ITestOutputHelper output)
{
    [Fact]
    public void Init_negotiates_the_kernel_version_up_to_7_45_with_1_MiB_writes()
    {
        using var mount = TestMount.Create();
        var session = mount.Mount.Session;
        output.WriteLine($"kernel offered {session.KernelVersion}, negotiated {session.ProtocolVersion}, max_write {session.MaxWrite}");

        Assert.Equal(7, session.ProtocolVersion.Major);
        Assert.Equal(Math.Min(session.KernelVersion.Minor, 45), session.ProtocolVersion.Minor);
        Assert.Equal(1 << 20, session.MaxWrite);
    }

    [Fact]
    public void An_exception_in_the_file_system_answers_EIO_and_says_once_which_operation_on_what_and_why()
    {
        var log = new CapturedLog();
        using var mount = TestMount.Create(setup: fs => fs.AddBrokenFile("broken"), logger: log);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var error = Assert.Throws<IOException>(() => File.ReadAllText(mount["broken"]));
            Assert.Equal(5, error.HResult & 0xFFFF);
        }

        var (level, eventId, line) = Assert.Single(log.Entries);
        Assert.Contains("EIO to OPEN on memory node", line);
        Assert.Contains("InvalidOperationException: the broken file cannot be opened", line);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, level);
        Assert.Equal(1000, eventId.Id);
    }

    [Fact]
    public void A_blocked_request_is_interrupted_when_its_caller_is_killed_while_another_reader_serves_the_rest()
    {
        using var mount = TestMount.Create(setup: fs => fs.AddSlowFile("slow"));
        var start = new System.Diagnostics.ProcessStartInfo("cat", [mount["slow"]]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var reader = System.Diagnostics.Process.Start(start)!;
        try
        {
            Assert.True(mount.FileSystem.SlowReadStarted.Wait(TimeSpan.FromSeconds(10)), "the slow read never started");

            File.WriteAllText(mount["meanwhile"], "served by another reader");
            Assert.Equal("served by another reader", File.ReadAllText(mount["meanwhile"]));
            Assert.True(mount.Mount.Session.ReaderCount >= 2);
        }
        finally
        {
            reader.Kill();
            reader.WaitForExit();
        }

        Assert.True(mount.FileSystem.SlowReadInterrupted.Wait(TimeSpan.FromSeconds(10)), "the slow read never saw the interrupt");
    }

    [Fact]
    public void Files_are_created_written_read_renamed_and_unlinked()
    {
        using var mount = TestMount.Create();
        var path = mount["hello.txt"];

        File.WriteAllText(path, "hello, fuse");
        Assert.Equal("hello, fuse", File.ReadAllText(path));
        Assert.Equal(11, new FileInfo(path).Length);

        File.Move(path, mount["renamed.txt"]);
        Assert.False(File.Exists(path));
        Assert.Equal("hello, fuse", File.ReadAllText(mount["renamed.txt"]));

        File.Delete(mount["renamed.txt"]);
        Assert.False(File.Exists(mount["renamed.txt"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Directory));
    }

    [Fact]
    public void A_4_MiB_write_in_one_call_arrives_in_1_MiB_requests()
    {
        using var mount = TestMount.Create();
        var data = new byte[4 << 20];
        new Random(7).NextBytes(data);

        using (var file = File.OpenHandle(mount["big"], FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(file, data, 0);
        }

        Assert.Equal(1 << 20, mount.FileSystem.LargestWrite);
        var back = new byte[data.Length];
        using (var file = File.OpenHandle(mount["big"]))
        {
            Assert.Equal(data.Length, RandomAccess.Read(file, back, 0));
        }

        Assert.Equal(data, back);
    }

    [Fact]
    public void Parallel_callers_each_get_their_own_replies()
    {
        using var mount = TestMount.Create();

        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 100; i++)
            {
                var path = mount[$"w{worker}-{i}"];
                var text = $"worker {worker} file {i} " + new string('x', i * 37);
                File.WriteAllText(path, text);
                Assert.Equal(text, File.ReadAllText(path));
            }
        });

        Assert.Equal(800, Directory.EnumerateFiles(mount.Directory).Count());
    }

    [Fact]
    public void Directories_are_made_listed_and_removed()
    {
        using var mount = TestMount.Create();

        Directory.CreateDirectory(mount["a/b/c"]);
        File.WriteAllText(mount["a/b/file"], "x");
        Assert.Equal(["c", "file"], Directory.EnumerateFileSystemEntries(mount["a/b"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Throws<IOException>(() => Directory.Delete(mount["a/b"]));

        Directory.Delete(mount["a/b/c"]);
        File.Delete(mount["a/b/file"]);
        Directory.Delete(mount["a/b"]);
        Assert.False(Directory.Exists(mount["a/b"]));
        Assert.True(Directory.Exists(mount["a"]));
    }

    [Fact]
    public void A_directory_of_10000_entries_lists_completely_across_many_readdir_pages()
    {
        using var mount = TestMount.Create();
        Directory.CreateDirectory(mount["many"]);
        for (var i = 0; i < 10_000; i++)
        {
            File.Create(mount[$"many/entry-{i:D5}"]).Dispose();
        }

        var names = Directory.EnumerateFiles(mount["many"]).Select(Path.GetFileName).ToList();

        Assert.Equal(10_000, names.Count);
        Assert.Equal(10_000, names.Distinct().Count());
        Assert.Contains("entry-09999", names);
    }

    [Fact]
    public void Symlinks_and_hard_links_resolve()
    {
        using var mount = TestMount.Create();
        File.WriteAllText(mount["target"], "pointed at");

        File.CreateSymbolicLink(mount["link"], "target");
        Assert.Equal("target", new FileInfo(mount["link"]).LinkTarget);
        Assert.Equal("pointed at", File.ReadAllText(mount["link"]));

        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, mount["target"], LibCConstants.AtFdCwd, mount["hard"]));
        Assert.Equal("pointed at", File.ReadAllText(mount["hard"]));
    }

    [Fact]
    public void Attributes_follow_chmod_truncate_and_touch()
    {
        using var mount = TestMount.Create();
        var path = mount["attrs"];
        File.WriteAllText(path, "0123456789");

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));

        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(4);
        }

        Assert.Equal("0123", File.ReadAllText(path));
        var when = new DateTime(2020, 2, 2, 2, 2, 2, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, when);
        Assert.Equal(when, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Extended_attributes_are_set_listed_read_and_removed()
    {
        using var mount = TestMount.Create();
        var path = mount["xattrs"];
        File.WriteAllText(path, string.Empty);

        Assert.Equal(0, LibC.SetXattr(path, "user.colour", "blue"u8.ToArray(), 0));
        Assert.Equal(0, LibC.SetXattr(path, "user.size", "large"u8.ToArray(), 0));
        Assert.Equal(-1, LibC.SetXattr(path, "user.colour", "red"u8.ToArray(), 1));
        Assert.Equal(Errno.EEXIST, LibC.LastError());

        Assert.Equal(4, LibC.GetXattr(path, "user.colour", []));
        var value = new byte[64];
        Assert.Equal(4, LibC.GetXattr(path, "user.colour", value));
        Assert.Equal("blue", Encoding.UTF8.GetString(value, 0, 4));
        Assert.Equal(-1, LibC.GetXattr(path, "user.colour", new byte[2]));
        Assert.Equal(Errno.ERANGE, LibC.LastError());

        var names = new byte[256];
        var length = LibC.ListXattr(path, names);
        Assert.Equal("user.colour\0user.size\0", Encoding.UTF8.GetString(names, 0, (int)length));
        Assert.Equal(length, LibC.ListXattr(path, []));

        Assert.Equal(0, LibC.RemoveXattr(path, "user.colour"));
        Assert.Equal(-1, LibC.GetXattr(path, "user.colour", value));
        Assert.Equal(Errno.ENODATA, LibC.LastError());
    }

    [Fact]
    public unsafe void Statfs_reports_the_filesystem_figures()
    {
        using var mount = TestMount.Create();
        StatFsBuffer statfs;

        Assert.Equal(0, LibC.StatFs(mount.Directory, &statfs));

        Assert.Equal(4096, statfs.BlockSize);
        Assert.Equal(1UL << 20, statfs.Blocks);
        Assert.Equal(1UL << 19, statfs.BlocksFree);
        Assert.Equal(1UL << 18, statfs.BlocksAvailable);
        Assert.Equal(1UL << 16, statfs.Files);
    }

    [Fact]
    public void Rename_noreplace_refuses_and_exchange_swaps()
    {
        using var mount = TestMount.Create();
        File.WriteAllText(mount["one"], "1");
        File.WriteAllText(mount["two"], "2");

        Assert.Equal(-1, LibC.RenameAt2(LibCConstants.AtFdCwd, mount["one"], LibCConstants.AtFdCwd, mount["two"], 1));
        Assert.Equal(Errno.EEXIST, LibC.LastError());
        Assert.Equal(0, LibC.RenameAt2(LibCConstants.AtFdCwd, mount["one"], LibCConstants.AtFdCwd, mount["two"], 2));

        Assert.Equal("2", File.ReadAllText(mount["one"]));
        Assert.Equal("1", File.ReadAllText(mount["two"]));
    }

    [Fact]
    public void Read_only_opens_pass_through_to_a_backing_file()
    {
        var backing = Path.GetTempFileName();
        try
        {
            File.WriteAllText(backing, "from the backing file");
            using var mount = TestMount.Create(passthrough: true, setup: fs => fs.AddBackedFile("backed", backing));

            Assert.True(mount.Mount.Session.PassthroughEnabled);
            Assert.Equal("from the backing file", File.ReadAllText(mount["backed"]));
            Assert.Equal(1, mount.FileSystem.PassthroughOpens);
        }
        finally
        {
            File.Delete(backing);
        }
    }

    [Fact]
    public unsafe void Mknod_fallocate_fsync_and_copy_file_range_reach_the_filesystem()
    {
        using var mount = TestMount.Create();

        Assert.Equal(0, LibC.MknodAt(LibCConstants.AtFdCwd, mount["node"], 0x8000 | 0x1A4, 0));
        Assert.Equal(0, new FileInfo(mount["node"]).Length);

        using (var file = File.OpenHandle(mount["node"], FileMode.Open, FileAccess.ReadWrite))
        {
            using (var fd = LibC.Borrow(file))
                Assert.Equal(0, LibC.FAllocate(fd.Fd, 0, 0, 8192));
            Assert.Equal(8192, RandomAccess.GetLength(file));
            RandomAccess.Write(file, "copied bytes"u8, 100);
            RandomAccess.FlushToDisk(file);
        }

        File.WriteAllText(mount["destination"], string.Empty);
        using (var source = File.OpenHandle(mount["node"]))
        using (var destination = File.OpenHandle(mount["destination"], FileMode.Open, FileAccess.Write))
        {
            // The filesystem answers ENOSYS: the kernel falls back to copying through the page cache.
            long sourceOffset = 100;
            long destinationOffset = 0;
            using var sourceFd = LibC.Borrow(source);
            using var destinationFd = LibC.Borrow(destination);
            Assert.Equal(12, LibC.CopyFileRange(sourceFd.Fd, &sourceOffset, destinationFd.Fd, &destinationOffset, 12, 0));
        }

        Assert.Equal("copied bytes", File.ReadAllText(mount["destination"]));
    }

    [Fact]
    public void Dispose_unmounts_and_leaves_no_mountinfo_entry()
    {
        using var mount = TestMount.Create();
        Assert.Equal("fuse.vellum", MountInfo.FileSystemTypeAt(mount.Directory));

        mount.Mount.Dispose();

        Assert.Null(MountInfo.FileSystemTypeAt(mount.Directory));
        Assert.True(mount.Mount.Completion.IsCompleted);
        Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Directory));
    }

    [Fact]
    public async Task Unmounting_from_outside_ends_the_session()
    {
        using var mount = TestMount.Create();

        Assert.Equal(0, LibC.Umount2(mount.Directory, 0));

        await mount.Mount.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(MountInfo.FileSystemTypeAt(mount.Directory));
    }
}
