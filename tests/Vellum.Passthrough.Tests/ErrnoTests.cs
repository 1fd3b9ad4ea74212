using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class ErrnoTests : IDisposable
{
    private const ulong Root = PassthroughFileSystem.RootId;

    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Backing_errors_come_back_as_their_errno()
    {
        Assert.Equal(Errno.ENOENT, _b.Fs.Lookup(Root, "missing"u8, out _));
        Assert.Equal(Errno.ENOENT, _b.Fs.Unlink(Backing.Root0, Root, "missing"u8));

        var dir = _b.Mkdir(Root, "d");
        Assert.Equal(Errno.EEXIST, _b.Fs.Mkdir(Backing.Root0, Root, "d"u8, 0x1ED, out _));
        _b.CreateFile(dir, "f", out _);
        Assert.Equal(Errno.ENOTEMPTY, _b.Fs.Rmdir(Backing.Root0, Root, "d"u8));
        Assert.Equal(Errno.ENOTDIR, _b.Fs.Rmdir(Backing.Root0, dir, "f"u8));
        Assert.Equal(Errno.EISDIR, _b.Fs.Unlink(Backing.Root0, Root, "d"u8));
        Assert.Equal(Errno.EEXIST, _b.Fs.Create(Backing.Root0, dir, "f"u8, 0x1A4, LibCConstants.ORdWr | LibCConstants.OExcl, out _, out _));
        Assert.Equal(Errno.EEXIST, _b.Fs.Link(Backing.Root0, _b.Lookup(dir, "f").NodeId, dir, "f"u8, out _));
        Assert.Equal(Errno.EINVAL, _b.Fs.ReadLink(dir, new byte[64], out _));
        Assert.Equal(Errno.EBADF, _b.Fs.Read(12345, new byte[1], 0, out _));
        var truncate = new SetAttrRequest { Fields = SetAttrFields.Size };
        Assert.Equal(Errno.EISDIR, _b.Fs.SetAttr(Backing.Root0, dir, truncate, out _));
        Assert.Equal(Errno.Success, _b.Fs.Mknod(Backing.Root0, dir, "fifo"u8, LibCConstants.SIfIfo | 0x1A4, 0, out var fifo));
        Assert.Equal(Errno.EINVAL, _b.Fs.SetAttr(Backing.Root0, fifo.NodeId, truncate, out _));
    }

    [Fact]
    public void Rename_flags_behave_as_renameat2()
    {
        File.WriteAllText(_b.At("a"), "A");
        File.WriteAllText(_b.At("b"), "B");

        Assert.Equal(Errno.EEXIST, _b.Fs.Rename(Backing.Root0, Root, "a"u8, Root, "b"u8, RenameFlags.NoReplace));
        Assert.Equal(Errno.Success, _b.Fs.Rename(Backing.Root0, Root, "a"u8, Root, "b"u8, RenameFlags.Exchange));
        Assert.Equal("B", File.ReadAllText(_b.At("a")));
        Assert.Equal("A", File.ReadAllText(_b.At("b")));
        Assert.Equal(Errno.ENOENT, _b.Fs.Rename(Backing.Root0, Root, "a"u8, Root, "c"u8, RenameFlags.Exchange));

        Assert.Equal(Errno.Success, _b.Fs.Rename(Backing.Root0, Root, "a"u8, Root, "c"u8, RenameFlags.Whiteout));
        var whiteout = Posix.Lstat(_b.At("a"));
        Assert.Equal(LibCConstants.SIfChr, whiteout.Mode & 0xF000);
        Assert.Equal(0u, whiteout.Rdev);
        Assert.Equal("B", File.ReadAllText(_b.At("c")));
    }

    [Fact]
    public void Special_files_are_created_as_mknod_does()
    {
        Assert.Equal(Errno.Success, _b.Fs.Mknod(Backing.Root0, Root, "null"u8, LibCConstants.SIfChr | 0x1B6, (1 << 8) | 3, out var device));
        Assert.Equal(Errno.Success, _b.Fs.Mknod(Backing.Root0, Root, "sock"u8, LibCConstants.SIfSock | 0x1ED, 0, out var socket));
        Posix.Mknod(System.IO.Path.Combine(_b.Plain, "null"), LibCConstants.SIfChr | 0x1B6, (1 << 8) | 3);

        Assert.Equal(Posix.Lstat(System.IO.Path.Combine(_b.Plain, "null")).Rdev, device.Attributes.Rdev);
        Assert.Equal((1u << 8) | 3, device.Attributes.Rdev);
        Assert.Equal(LibCConstants.SIfChr | 0x1B6u, device.Attributes.Mode);
        Assert.Equal(LibCConstants.SIfSock | 0x1EDu, socket.Attributes.Mode);
    }

    [Fact]
    public void Symlinks_read_back_their_exact_target()
    {
        var target = "../some/where \u00e9"u8.ToArray();
        Assert.Equal(Errno.Success, _b.Fs.Symlink(Backing.Root0, Root, "l"u8, target, out var link));
        var buffer = new byte[4096];
        Assert.Equal(Errno.Success, _b.Fs.ReadLink(link.NodeId, buffer, out var length));
        Assert.Equal(target, buffer[..length]);
        Assert.Equal((ulong)target.Length, link.Attributes.Size);
        Assert.Equal("../some/where \u00e9", new FileInfo(_b.At("l")).LinkTarget);
    }
}
