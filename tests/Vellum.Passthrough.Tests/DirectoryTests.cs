using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class DirectoryTests : IDisposable
{
    private const ulong Root = PassthroughFileSystem.RootId;

    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Readdir_lists_every_entry_with_its_inode_and_type()
    {
        var expected = Populate(40);
        Assert.Equal(Errno.Success, _b.Fs.OpenDir(Root, out var handle));
        var sink = new ListingSink(int.MaxValue);
        Assert.Equal(Errno.Success, _b.Fs.ReadDir(handle, 0, ref sink));

        Assert.Equal(expected.Keys.Order(), sink.Entries.Select(e => e.Name).Order());
        foreach (var (name, ino, type, _) in sink.Entries)
        {
            Assert.Equal(expected[name], (ino, type));
        }
        Assert.Equal(Errno.Success, _b.Fs.FsyncDir(Backing.Root0, handle, dataOnly: false));
        Assert.Equal(Errno.Success, _b.Fs.ReleaseDir(handle));
    }

    [Fact]
    public void Paging_by_cookies_returns_each_entry_once_and_offset_zero_starts_over()
    {
        var expected = Populate(100);
        Assert.Equal(Errno.Success, _b.Fs.OpenDir(Root, out var handle));
        var sink = new ListingSink(7);
        long offset = 0;
        while (true)
        {
            var before = sink.Entries.Count;
            sink.NextPage();
            Assert.Equal(Errno.Success, _b.Fs.ReadDir(handle, offset, ref sink));
            if (sink.Entries.Count == before)
            {
                break;
            }
            offset = sink.Entries[^1].Next;
        }
        Assert.Equal(expected.Keys.Order(), sink.Entries.Select(e => e.Name).Order());

        var midway = sink.Entries[50];
        var resumed = new ListingSink(int.MaxValue);
        Assert.Equal(Errno.Success, _b.Fs.ReadDir(handle, midway.Next, ref resumed));
        Assert.Equal(sink.Entries.Skip(51).Select(e => e.Name), resumed.Entries.Select(e => e.Name));

        var again = new ListingSink(int.MaxValue);
        Assert.Equal(Errno.Success, _b.Fs.ReadDir(handle, 0, ref again));
        Assert.Equal(expected.Count, again.Entries.Count);
    }

    [Fact]
    public void Readdirplus_looks_up_each_entry_and_returns_refused_references()
    {
        Populate(10);
        var nodes = _b.Fs.NodeCount;
        Assert.Equal(Errno.Success, _b.Fs.OpenDir(Root, out var handle));
        var sink = new PlusSink(5);
        Assert.Equal(Errno.Success, _b.Fs.ReadDirPlus(handle, 0, ref sink));
        Assert.Equal(5, sink.Entries.Count);

        var counted = 0;
        foreach (var (name, entry, _) in sink.Entries)
        {
            if (name is "." or "..")
            {
                Assert.Equal(0ul, entry.NodeId);
                Assert.Equal(LibCConstants.SIfDir, entry.Attributes.Mode);
                continue;
            }
            counted++;
            Assert.Equal(Posix.Lstat(_b.At(name)), entry.Attributes);
            Assert.Equal(entry.NodeId, _b.Lookup(Root, name).NodeId);
            _b.Fs.Forget(entry.NodeId, 2);
        }
        Assert.Equal(nodes, _b.Fs.NodeCount);
        Assert.True(counted >= 3);
    }

    [Fact]
    public void A_directory_handle_survives_renames_of_its_directory()
    {
        var d = _b.Mkdir(Root, "d");
        _b.CreateFile(d, "inside", out _);
        Assert.Equal(Errno.Success, _b.Fs.OpenDir(d, out var handle));
        Assert.Equal(Errno.Success, _b.Fs.Rename(Backing.Root0, Root, "d"u8, Root, "e"u8, RenameFlags.None));

        var sink = new ListingSink(int.MaxValue);
        Assert.Equal(Errno.Success, _b.Fs.ReadDir(handle, 0, ref sink));
        Assert.Contains(sink.Entries, e => e.Name == "inside");
    }

    /// <summary>Fills the root with files, directories and symlinks; returns what readdir should list.</summary>
    private Dictionary<string, (ulong, DirectoryEntryType)> Populate(int count)
    {
        var expected = new Dictionary<string, (ulong, DirectoryEntryType)>
        {
            ["."] = (Posix.Lstat(_b.Path).Ino, DirectoryEntryType.Directory),
            [".."] = (Posix.Lstat(_b.Root).Ino, DirectoryEntryType.Directory),
        };
        for (var i = 0; i < count; i++)
        {
            var name = $"entry-{i:D3}-" + new string('x', i);
            var type = (i % 3) switch
            {
                0 => DirectoryEntryType.Regular,
                1 => DirectoryEntryType.Directory,
                _ => DirectoryEntryType.Symlink,
            };
            var path = _b.At(name);
            switch (type)
            {
                case DirectoryEntryType.Regular:
                    File.WriteAllText(path, name);
                    break;
                case DirectoryEntryType.Directory:
                    Directory.CreateDirectory(path);
                    break;
                default:
                    File.CreateSymbolicLink(path, "nowhere");
                    break;
            }
            expected[name] = (Posix.Lstat(path).Ino, type);
        }
        return expected;
    }
}
