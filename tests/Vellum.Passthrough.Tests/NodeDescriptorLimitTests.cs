using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>
/// Nodes beyond the descriptor limit lose their O_PATH descriptor and are reopened by file
/// handle: the kernel may hold more nodes than the process may hold descriptors, and every
/// node must still behave as if its descriptor had stayed open.
/// </summary>
public sealed class NodeDescriptorLimitTests : IDisposable
{
    private const int Limit = 8;
    private readonly Backing _b = new(nodeDescriptorLimit: Limit);

    public void Dispose() => _b.Dispose();

    [Fact]
    public void The_limit_is_on_here_because_the_tests_run_as_root_on_a_filesystem_with_handles()
    {
        Assert.Equal(Limit, _b.Fs.NodeDescriptorLimit);
    }

    [Fact]
    public void Many_more_nodes_than_descriptors_all_answer_with_their_own_attributes()
    {
        var baseline = Posix.DescriptorsUnder(_b.Path);
        var nodes = new List<(ulong Node, int Size)>();
        for (var d = 0; d < 4; d++)
        {
            var directory = _b.Mkdir(PassthroughFileSystem.RootId, $"d{d}");
            for (var i = 0; i < 50; i++)
            {
                var file = _b.CreateFile(directory, $"f{i}", out var handle);
                var size = d * 100 + i;
                Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, new byte[size], 0, out _));
                Assert.Equal(Errno.Success, _b.Fs.Release(handle));
                nodes.Add((file, size));
            }
        }

        Assert.True(_b.Fs.OpenNodeDescriptors <= Limit, $"{_b.Fs.OpenNodeDescriptors} node descriptors open");
        Assert.True(Posix.DescriptorsUnder(_b.Path) <= baseline + Limit);
        foreach (var (node, size) in nodes)
        {
            Assert.Equal(Errno.Success, _b.Fs.GetAttr(node, out var stat));
            Assert.Equal((ulong)size, stat.Size);
        }
        Assert.True(_b.Fs.OpenNodeDescriptors <= Limit);
        Assert.Equal(1 + 4 + 200, _b.Fs.NodeCount);
    }

    [Fact]
    public void An_evicted_node_follows_its_inode_through_a_rename_of_an_ancestor()
    {
        var a = _b.Mkdir(PassthroughFileSystem.RootId, "a");
        var b = _b.Mkdir(a, "b");
        var file = _b.CreateFile(b, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        EvictEverything("a");

        Assert.Equal(Errno.Success, _b.Fs.Rename(Backing.Root0, PassthroughFileSystem.RootId, Backing.N("a"), PassthroughFileSystem.RootId, Backing.N("moved"), RenameFlags.None));
        EvictEverything("moved");

        Assert.Equal(Errno.Success, _b.Fs.Open(Backing.Root0, file, LibCConstants.OWrOnly, out handle));
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "after"u8, 0, out _));
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        Assert.Equal("after", File.ReadAllText(_b.At("moved/b/f")));
        Assert.Equal(Errno.Success, _b.Fs.Mkdir(Backing.Root0, b, Backing.N("new"), 0x1ED, out _));
        Assert.True(Directory.Exists(_b.At("moved/b/new")));
    }

    [Fact]
    public void Evicted_symlinks_hard_links_and_xattrs_keep_working()
    {
        var file = _b.CreateFile(PassthroughFileSystem.RootId, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        Assert.Equal(Errno.Success, _b.Fs.Symlink(Backing.Root0, PassthroughFileSystem.RootId, Backing.N("l"), "f"u8, out var link));
        EvictEverything("f", "l");

        var target = new byte[64];
        Assert.Equal(Errno.Success, _b.Fs.ReadLink(link.NodeId, target, out var length));
        Assert.Equal("f"u8.ToArray(), target[..length]);
        Assert.Equal(Errno.Success, _b.Fs.SetXattr(Backing.Root0, file, "user.k"u8, "v"u8, 0));
        EvictEverything("f");
        var value = new byte[8];
        Assert.Equal(Errno.Success, _b.Fs.GetXattr(file, "user.k"u8, value, out var size));
        Assert.Equal("v"u8.ToArray(), value[..size]);
        Assert.Equal(Errno.Success, _b.Fs.Link(Backing.Root0, file, PassthroughFileSystem.RootId, Backing.N("hard"), out var hard));
        Assert.Equal(file, hard.NodeId);
        Assert.Equal(2u, hard.Attributes.Nlink);
    }

    [Fact]
    public void A_file_unlinked_while_open_keeps_its_node_through_evictions()
    {
        var file = _b.CreateFile(PassthroughFileSystem.RootId, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "kept"u8, 0, out _));
        Assert.Equal(Errno.Success, _b.Fs.Unlink(Backing.Root0, PassthroughFileSystem.RootId, Backing.N("f")));
        EvictEverything();

        Assert.Equal(Errno.Success, _b.Fs.GetAttr(file, out var stat));
        Assert.Equal(0u, stat.Nlink);
        Assert.Equal(4ul, stat.Size);
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
    }

    [Fact]
    public void A_deleted_inode_answers_ESTALE_never_another_inode()
    {
        var file = _b.CreateFile(PassthroughFileSystem.RootId, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        EvictEverything("f");
        File.Delete(_b.At("f"));
        // New files may reuse the inode number; the handle's generation tells them apart.
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(_b.At($"n{i}"), "new");
        }

        Assert.Equal(Errno.ESTALE, _b.Fs.GetAttr(file, out _));
    }

    [Fact]
    public async Task Concurrent_use_of_evicted_nodes_leaks_no_descriptor()
    {
        var baseline = Posix.DescriptorsUnder(_b.Path);
        var files = Enumerable.Range(0, 64).Select(i =>
        {
            File.WriteAllText(_b.At($"f{i}"), new string('x', i));
            return $"f{i}";
        }).ToArray();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var round = 0; round < 20; round++)
            {
                for (var i = w; i < files.Length; i += 2)
                {
                    var entry = _b.Lookup(PassthroughFileSystem.RootId, files[i]);
                    Assert.Equal(Errno.Success, _b.Fs.GetAttr(entry.NodeId, out var stat));
                    Assert.Equal((ulong)i, stat.Size);
                    _b.Fs.Forget(entry.NodeId, 1);
                }
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(1, _b.Fs.NodeCount);
        Assert.Equal(baseline, Posix.DescriptorsUnder(_b.Path));
    }

    /// <summary>
    /// Holds more nodes than the limit at once, which pushes every other node's descriptor
    /// out, then drops them again; <paramref name="evicted"/> (relative paths) must then have
    /// no descriptor open.
    /// </summary>
    private void EvictEverything(params string[] evicted)
    {
        Directory.CreateDirectory(_b.At("churn"));
        var churn = _b.Lookup(PassthroughFileSystem.RootId, "churn");
        var held = new List<ulong>();
        for (var i = 0; i < 3 * Limit; i++)
        {
            held.Add(_b.CreateFile(churn.NodeId, $"c{i}", out var handle));
            Assert.Equal(Errno.Success, _b.Fs.Release(handle));
        }
        for (var i = 0; i < held.Count; i++)
        {
            Assert.Equal(Errno.Success, _b.Fs.Unlink(Backing.Root0, churn.NodeId, Backing.N($"c{i}")));
            _b.Fs.Forget(held[i], 1);
        }
        _b.Fs.Forget(churn.NodeId, 1);
        foreach (var path in evicted)
        {
            Assert.Equal(0, Posix.DescriptorsUnder(_b.At(path)));
        }
    }
}
