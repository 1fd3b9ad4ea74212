using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class NodeTableTests : IDisposable
{
    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Lookup_matches_a_plain_lstat_exactly()
    {
        File.WriteAllBytes(_b.At("f"), new byte[12345]);
        Directory.CreateDirectory(_b.At("d"));
        File.CreateSymbolicLink(_b.At("l"), "f");

        foreach (var name in new[] { "f", "d", "l" })
        {
            var entry = _b.Lookup(PassthroughFileSystem.RootId, name);
            Assert.Equal(Posix.Lstat(_b.At(name)), entry.Attributes);
            Assert.Equal(Errno.Success, _b.Fs.GetAttr(entry.NodeId, out var stat));
            Assert.Equal(entry.Attributes, stat);
        }
    }

    [Fact]
    public void Hard_links_share_one_node_and_backing_inode()
    {
        var file = _b.CreateFile(PassthroughFileSystem.RootId, "a", out _);
        Assert.Equal(Errno.Success, _b.Fs.Link(Backing.Root0, file, PassthroughFileSystem.RootId, Backing.N("b"), out var link));

        Assert.Equal(file, link.NodeId);
        Assert.Equal(2u, link.Attributes.Nlink);
        var a = Posix.Lstat(_b.At("a"));
        var b = Posix.Lstat(_b.At("b"));
        Assert.Equal((a.Dev, a.Ino), (b.Dev, b.Ino));
        Assert.Equal(file, _b.Lookup(PassthroughFileSystem.RootId, "b").NodeId);
    }

    [Fact]
    public void Forget_to_zero_closes_the_descriptor_and_frees_the_node()
    {
        File.WriteAllText(_b.At("f"), "x");
        var nodes = _b.Fs.NodeCount;
        var descriptors = Posix.DescriptorsUnder(_b.Path);

        var first = _b.Lookup(PassthroughFileSystem.RootId, "f");
        var second = _b.Lookup(PassthroughFileSystem.RootId, "f");
        Assert.Equal(first.NodeId, second.NodeId);
        Assert.Equal(nodes + 1, _b.Fs.NodeCount);
        Assert.Equal(descriptors + 1, Posix.DescriptorsUnder(_b.Path));

        _b.Fs.Forget(first.NodeId, 1);
        Assert.Equal(descriptors + 1, Posix.DescriptorsUnder(_b.Path));
        _b.Fs.Forget(first.NodeId, 1);
        Assert.Equal(descriptors, Posix.DescriptorsUnder(_b.Path));
        Assert.Equal(nodes, _b.Fs.NodeCount);
        Assert.Equal(Errno.ESTALE, _b.Fs.GetAttr(first.NodeId, out _));

        var again = _b.Lookup(PassthroughFileSystem.RootId, "f");
        Assert.NotEqual(first.NodeId, again.NodeId);
    }

    [Fact]
    public async Task Concurrent_lookups_and_forgets_balance_out()
    {
        File.WriteAllText(_b.At("f"), "x");
        Directory.CreateDirectory(_b.At("d"));
        var descriptors = Posix.DescriptorsUnder(_b.Path);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var name = w % 2 == 0 ? "f" : "d";
            for (var i = 0; i < 2000; i++)
            {
                var entry = _b.Lookup(PassthroughFileSystem.RootId, name);
                Assert.Equal(Errno.Success, _b.Fs.GetAttr(entry.NodeId, out _));
                _b.Fs.Forget(entry.NodeId, 1);
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(1, _b.Fs.NodeCount);
        Assert.Equal(descriptors, Posix.DescriptorsUnder(_b.Path));
    }

    [Fact]
    public void The_root_survives_forget()
    {
        _b.Fs.Forget(PassthroughFileSystem.RootId, 100);
        Assert.Equal(Errno.Success, _b.Fs.GetAttr(PassthroughFileSystem.RootId, out var stat));
        Assert.True(stat.IsDirectory);
    }

    [Fact]
    public void Renaming_an_ancestor_keeps_nodes_and_open_handles_working()
    {
        var a = _b.Mkdir(PassthroughFileSystem.RootId, "a");
        var b = _b.Mkdir(a, "b");
        var file = _b.CreateFile(b, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "before"u8, 0, out _));

        Assert.Equal(Errno.Success, _b.Fs.Rename(Backing.Root0, PassthroughFileSystem.RootId, Backing.N("a"), PassthroughFileSystem.RootId, Backing.N("moved"), RenameFlags.None));

        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "-after"u8, 6, out _));
        Assert.Equal("before-after", File.ReadAllText(_b.At("moved/b/f")));
        Assert.Equal(Errno.Success, _b.Fs.GetAttr(file, out var stat));
        Assert.Equal(12ul, stat.Size);
        Assert.Equal(file, _b.Lookup(b, "f").NodeId);
        Assert.Equal(Errno.Success, _b.Fs.Mkdir(Backing.Root0, b, Backing.N("new"), 0x1ED, out _));
        Assert.True(Directory.Exists(_b.At("moved/b/new")));
    }

    [Fact]
    public void Names_that_leave_the_parent_are_refused()
    {
        Assert.Equal(Errno.EINVAL, _b.Fs.Lookup(PassthroughFileSystem.RootId, ".."u8, out _));
        Assert.Equal(Errno.EINVAL, _b.Fs.Mkdir(Backing.Root0, PassthroughFileSystem.RootId, "a/b"u8, 0x1ED, out _));
        Assert.Equal(Errno.ENAMETOOLONG, _b.Fs.Lookup(PassthroughFileSystem.RootId, new byte[256], out _));
        Assert.Equal(Errno.ESTALE, _b.Fs.Lookup(999, "x"u8, out _));
    }
}
