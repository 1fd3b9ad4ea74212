using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class FileDataTests : IDisposable
{
    private const ulong Root = PassthroughFileSystem.RootId;

    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Writes_and_reads_go_to_the_backing_file_at_exactly_their_offsets()
    {
        var node = _b.CreateFile(Root, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "hello world"u8, 0, out var written));
        Assert.Equal(11, written);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "W"u8, 6, out _));

        var buffer = new byte[64];
        Assert.Equal(Errno.Success, _b.Fs.Read(handle, buffer, 2, out var read));
        Assert.Equal("llo World"u8.ToArray(), buffer[..read]);
        Assert.Equal("hello World", File.ReadAllText(_b.At("f")));
        Assert.Equal(Errno.Success, _b.Fs.Flush(handle));
        Assert.Equal(Errno.Success, _b.Fs.Fsync(Backing.Root0, handle, dataOnly: true));
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        Assert.Equal(Errno.EBADF, _b.Fs.Release(handle));

        Assert.Equal(Errno.Success, _b.Fs.Open(Backing.Root0, node, LibCConstants.OWrOnly | LibCConstants.OAppend, out var append));
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, append, "!"u8, 11, out _));
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, append, "H"u8, 0, out _));
        Assert.Equal("Hello World!", File.ReadAllText(_b.At("f")));
        Assert.False(_b.Fs.TryGetPassthroughFd(append, out _));

        Assert.Equal(Errno.Success, _b.Fs.Open(Backing.Root0, node, LibCConstants.ORdWr | LibCConstants.OTrunc, out _));
        Assert.Equal(0, new FileInfo(_b.At("f")).Length);
    }

    [Fact]
    public void Read_only_opens_expose_the_backing_descriptor_for_kernel_passthrough()
    {
        File.WriteAllText(_b.At("f"), "data");
        var node = _b.Lookup(Root, "f").NodeId;
        Assert.Equal(Errno.Success, _b.Fs.Open(Backing.Root0, node, LibCConstants.ORdOnly, out var handle));

        Assert.True(_b.Fs.TryGetPassthroughFd(handle, out var fd));
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), FileAccess.Read);
        var buffer = new byte[4];
        Assert.Equal(4, RandomAccess.Read(stream.SafeFileHandle, buffer, 0));
        Assert.Equal("data"u8.ToArray(), buffer);
    }

    [Fact]
    public void Release_and_forget_close_every_descriptor_they_opened()
    {
        var descriptors = Posix.DescriptorsUnder(_b.Path);
        var node = _b.CreateFile(Root, "f", out var created);
        Assert.Equal(Errno.Success, _b.Fs.Open(Backing.Root0, node, LibCConstants.ORdOnly, out var reader));
        Assert.Equal(Errno.Success, _b.Fs.OpenDir(Root, out var directory));
        Assert.Equal(descriptors + 4, Posix.DescriptorsUnder(_b.Path));

        Assert.Equal(Errno.Success, _b.Fs.Release(created));
        Assert.Equal(Errno.Success, _b.Fs.Release(reader));
        Assert.Equal(Errno.Success, _b.Fs.ReleaseDir(directory));
        _b.Fs.Forget(node, 1);
        Assert.Equal(descriptors, Posix.DescriptorsUnder(_b.Path));
        Assert.Equal(0, _b.Fs.HandleCount);
    }

    [Fact]
    public void Sparse_files_report_data_and_holes_as_lseek_does()
    {
        var node = _b.CreateFile(Root, "sparse", out var handle);
        var block = new byte[65536];
        Array.Fill(block, (byte)7);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, block, 1 << 20, out _));
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, block, 3 << 20, out _));

        Assert.Equal(Errno.Success, _b.Fs.Lseek(handle, 0, LibCConstants.SeekData, out var data));
        Assert.Equal(1L << 20, data);
        Assert.Equal(Errno.Success, _b.Fs.Lseek(handle, data, LibCConstants.SeekHole, out var hole));
        Assert.Equal((1L << 20) + block.Length, hole);
        Assert.Equal(Errno.Success, _b.Fs.Lseek(handle, hole, LibCConstants.SeekData, out data));
        Assert.Equal(3L << 20, data);
        Assert.Equal((Errno)6, _b.Fs.Lseek(handle, (3 << 20) + block.Length, LibCConstants.SeekData, out _));

        using var plain = File.OpenHandle(_b.At("sparse"));
        Assert.Equal(Errno.Success, _b.Fs.GetAttr(node, out var stat));
        Assert.Equal(RandomAccess.GetLength(plain), (long)stat.Size);
    }

    [Fact]
    public void Fallocate_punches_holes_and_zeroes_ranges()
    {
        var node = _b.CreateFile(Root, "f", out var handle);
        var data = new byte[1 << 20];
        Array.Fill(data, (byte)0xAB);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, data, 0, out _));
        Assert.Equal(Errno.Success, _b.Fs.Fsync(Backing.Root0, handle, dataOnly: false));
        Assert.Equal(Errno.Success, _b.Fs.GetAttr(node, out var before));

        Assert.Equal(Errno.Success, _b.Fs.Fallocate(Backing.Root0, handle, LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize, 65536, 262144));
        Assert.Equal(Errno.Success, _b.Fs.Fallocate(Backing.Root0, handle, LibCConstants.FallocZeroRange, 524288, 4096));
        Assert.Equal(Errno.Success, _b.Fs.Fallocate(Backing.Root0, handle, 0, 0, 2 << 20));

        Assert.Equal(Errno.Success, _b.Fs.GetAttr(node, out var after));
        Assert.Equal(2ul << 20, after.Size);
        Assert.Equal(Errno.Success, _b.Fs.Lseek(handle, 0, LibCConstants.SeekHole, out var hole));
        Assert.Equal(65536, hole);
        var content = File.ReadAllBytes(_b.At("f"));
        Assert.All(content[65536..(65536 + 262144)], b => Assert.Equal(0, b));
        Assert.All(content[524288..(524288 + 4096)], b => Assert.Equal(0, b));
        Assert.Equal(0xAB, content[65535]);
        Assert.Equal(0xAB, content[65536 + 262144]);
        Assert.True(before.Blocks > 0);
        Assert.Equal(Errno.EBADF, _b.Fs.Fallocate(Backing.Root0, 999, 0, 0, 1));
    }

    [Fact]
    public void Copy_file_range_copies_between_handles()
    {
        _b.CreateFile(Root, "src", out var source);
        _b.CreateFile(Root, "dst", out var destination);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, source, "0123456789"u8, 0, out _));

        Assert.Equal(Errno.Success, _b.Fs.CopyFileRange(Backing.Root0, source, 2, destination, 4, 5, 0, out var copied));
        Assert.Equal(5, copied);
        Assert.Equal("\0\0\0\023456"u8.ToArray(), File.ReadAllBytes(_b.At("dst")));
    }

    [Fact]
    public void SetAttr_sets_mode_size_and_exact_times()
    {
        var node = _b.CreateFile(Root, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, new byte[100], 0, out _));
        var request = new SetAttrRequest
        {
            Fields = SetAttrFields.Mode | SetAttrFields.Size | SetAttrFields.Atime | SetAttrFields.Mtime,
            Mode = 0x180,
            Size = 10,
            Atime = new Timestamp(1_000_000_000, 123_456_789),
            Mtime = new Timestamp(1_500_000_000, 987_654_321),
        };
        Assert.Equal(Errno.Success, _b.Fs.SetAttr(Backing.Root0, node, request, out var stat));

        Assert.Equal(LibCConstants.SIfReg | 0x180u, stat.Mode);
        Assert.Equal(10ul, stat.Size);
        Assert.Equal(new Timestamp(1_000_000_000, 123_456_789), stat.Atime);
        Assert.Equal(new Timestamp(1_500_000_000, 987_654_321), stat.Mtime);
        Assert.Equal(stat, Posix.Lstat(_b.At("f")));

        var now = new SetAttrRequest { Fields = SetAttrFields.MtimeNow | SetAttrFields.Size | SetAttrFields.Handle, Size = 3, Handle = handle };
        Assert.Equal(Errno.Success, _b.Fs.SetAttr(Backing.Root0, node, now, out stat));
        Assert.Equal(3ul, stat.Size);
        Assert.Equal(new Timestamp(1_000_000_000, 123_456_789), stat.Atime);
        Assert.True(stat.Mtime.Seconds > 1_700_000_000);
    }

    [Fact]
    public void SetAttr_on_a_symlink_changes_the_link_not_its_target()
    {
        var target = _b.CreateFile(Root, "target", out _);
        Assert.Equal(Errno.Success, _b.Fs.GetAttr(target, out var targetBefore));
        Assert.Equal(Errno.Success, _b.Fs.Symlink(Backing.Root0, Root, "l"u8, "target"u8, out var link));
        var request = new SetAttrRequest
        {
            Fields = SetAttrFields.Mtime | SetAttrFields.Uid,
            Mtime = new Timestamp(1_234_567_890, 5),
            Uid = 4321,
        };

        Assert.Equal(Errno.Success, _b.Fs.SetAttr(Backing.Root0, link.NodeId, request, out var stat));

        Assert.Equal((new Timestamp(1_234_567_890, 5), 4321u), (stat.Mtime, stat.Uid));
        Assert.Equal(stat, Posix.Lstat(_b.At("l")));
        Assert.Equal(targetBefore, Posix.Lstat(_b.At("target")));
        Assert.Equal(Errno.EOPNOTSUPP, _b.Fs.SetAttr(Backing.Root0, link.NodeId, new SetAttrRequest { Fields = SetAttrFields.Mode, Mode = 0x1C0 }, out _));
    }

    [Fact]
    public void Statfs_and_access_report_the_backing_filesystem()
    {
        Assert.Equal(Errno.Success, _b.Fs.StatFs(Root, out var stats));
        var drive = new DriveInfo(_b.Path);
        Assert.Equal((ulong)drive.TotalSize, stats.Blocks * stats.FragmentSize);
        Assert.Equal(255u, stats.NameMax);

        var node = _b.CreateFile(Root, "f", out _, mode: 0x1A4);
        Assert.Equal(Errno.Success, _b.Fs.Access(new Caller(0, 0, 1, 0), node, 6));
        Assert.Equal(Errno.EACCES, _b.Fs.Access(new Caller(0, 0, 1, 0), node, 1));
        Assert.Equal(Errno.Success, _b.Fs.Access(new Caller(1234, 5678, 1, 0), node, 4));
        Assert.Equal(Errno.EACCES, _b.Fs.Access(new Caller(1234, 5678, 1, 0), node, 2));
    }
}
