using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class XattrTests : IDisposable
{
    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void User_xattrs_pass_through_on_files_and_directories(bool directory)
    {
        var node = directory ? _b.Mkdir(PassthroughFileSystem.RootId, "n") : _b.CreateFile(PassthroughFileSystem.RootId, "n", out _);

        Assert.Equal(Errno.Success, _b.Fs.SetXattr(Backing.Root0, node, "user.one"u8, "value-1"u8, 0));
        Assert.Equal(Errno.Success, _b.Fs.SetXattr(Backing.Root0, node, "user.two"u8, [], 0));
        Assert.Equal(Errno.EEXIST, _b.Fs.SetXattr(Backing.Root0, node, "user.one"u8, "x"u8, 1));
        Assert.Equal(Errno.ENODATA, _b.Fs.SetXattr(Backing.Root0, node, "user.three"u8, "x"u8, 2));

        Assert.Equal(Errno.Success, _b.Fs.GetXattr(node, "user.one"u8, [], out var size));
        Assert.Equal(7, size);
        var value = new byte[size];
        Assert.Equal(Errno.Success, _b.Fs.GetXattr(node, "user.one"u8, value, out size));
        Assert.Equal("value-1"u8.ToArray(), value);
        Assert.Equal(Errno.ERANGE, _b.Fs.GetXattr(node, "user.one"u8, new byte[3], out _));

        Assert.Equal(Errno.Success, _b.Fs.ListXattr(node, [], out var listSize));
        var list = new byte[listSize];
        Assert.Equal(Errno.Success, _b.Fs.ListXattr(node, list, out listSize));
        var names = System.Text.Encoding.UTF8.GetString(list, 0, listSize).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["user.one", "user.two"], names.Order());

        Assert.Equal(Errno.Success, _b.Fs.RemoveXattr(Backing.Root0, node, "user.one"u8));
        Assert.Equal(Errno.ENODATA, _b.Fs.GetXattr(node, "user.one"u8, [], out _));
        Assert.Equal(Errno.ENODATA, _b.Fs.RemoveXattr(Backing.Root0, node, "user.one"u8));
        Assert.Equal(Errno.ERANGE, _b.Fs.GetXattr(node, new byte[300], [], out _));
    }

    [Fact]
    public void Symlinks_answer_as_linux_does_for_user_xattrs()
    {
        Assert.Equal(Errno.Success, _b.Fs.Symlink(Backing.Root0, PassthroughFileSystem.RootId, "l"u8, "t"u8, out var link));
        Assert.Equal(Errno.EPERM, _b.Fs.SetXattr(Backing.Root0, link.NodeId, "user.a"u8, "v"u8, 0));
        Assert.Equal(Errno.ENODATA, _b.Fs.GetXattr(link.NodeId, "user.a"u8, [], out _));
        Assert.Equal(Errno.Success, _b.Fs.ListXattr(link.NodeId, [], out var size));
        Assert.Equal(0, size);
    }
}
