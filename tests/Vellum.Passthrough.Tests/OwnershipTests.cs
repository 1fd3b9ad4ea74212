using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class OwnershipTests : IDisposable
{
    private static readonly Caller User = new(1234, 5678, 42, 0x12);

    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Everything_a_user_creates_is_owned_by_that_user_with_the_umask_applied()
    {
        const ulong root = PassthroughFileSystem.RootId;
        Assert.Equal(Errno.Success, _b.Fs.Create(User, root, "file"u8, 0x1B6, LibCConstants.ORdWr, out var file, out _));
        Assert.Equal(Errno.Success, _b.Fs.Mkdir(User, root, "dir"u8, 0x1FF, out var dir));
        Assert.Equal(Errno.Success, _b.Fs.Mknod(User, root, "fifo"u8, LibCConstants.SIfIfo | 0x1B6, 0, out var fifo));
        Assert.Equal(Errno.Success, _b.Fs.Symlink(User, root, "link"u8, "file"u8, out var link));

        Assert.Equal(LibCConstants.SIfReg | 0x1A4u, file.Attributes.Mode);
        Assert.Equal(LibCConstants.SIfDir | 0x1EDu, dir.Attributes.Mode);
        Assert.Equal(LibCConstants.SIfIfo | 0x1A4u, fifo.Attributes.Mode);
        foreach (var (name, entry) in new[] { ("file", file), ("dir", dir), ("fifo", fifo), ("link", link) })
        {
            var stat = Posix.Lstat(_b.At(name));
            Assert.Equal((1234u, 5678u), (stat.Uid, stat.Gid));
            Assert.Equal(stat, entry.Attributes);
        }
    }

    [Fact]
    public void A_setgid_directory_passes_its_group_and_its_setgid_bit_to_new_subdirectories()
    {
        Directory.CreateDirectory(_b.At("shared"));
        Posix.Chown(_b.At("shared"), 0, 999);
        Posix.Chmod(_b.At("shared"), 0x400 | 0x1FF);
        var shared = _b.Lookup(PassthroughFileSystem.RootId, "shared").NodeId;

        Assert.Equal(Errno.Success, _b.Fs.Create(User, shared, "f"u8, 0x1A4, LibCConstants.ORdWr, out var file, out _));
        Assert.Equal(Errno.Success, _b.Fs.Mkdir(User, shared, "sub"u8, 0x1ED, out var sub));

        Assert.Equal((1234u, 999u), (file.Attributes.Uid, file.Attributes.Gid));
        Assert.Equal((1234u, 999u), (sub.Attributes.Uid, sub.Attributes.Gid));
        Assert.Equal(LibCConstants.SIfDir | LibCConstants.SISgid | 0x1EDu, sub.Attributes.Mode);
        Assert.Equal(LibCConstants.SIfReg | 0x1A4u, file.Attributes.Mode);
    }

    [Fact]
    public void Set_id_bits_survive_the_chown_unless_the_kernel_would_strip_them()
    {
        const ulong root = PassthroughFileSystem.RootId;
        var own = User with { Umask = 0 };
        Assert.Equal(Errno.Success, _b.Fs.Create(own, root, "suid"u8, 0xDED, LibCConstants.ORdWr, out var suid, out _));
        Assert.Equal(LibCConstants.SIfReg | 0xDEDu, suid.Attributes.Mode);

        Directory.CreateDirectory(_b.At("shared"));
        Posix.Chown(_b.At("shared"), 0, 999);
        Posix.Chmod(_b.At("shared"), 0x400 | 0x1FF);
        var shared = _b.Lookup(root, "shared").NodeId;
        Assert.Equal(Errno.Success, _b.Fs.Create(own, shared, "sgid"u8, 0x5ED, LibCConstants.ORdWr, out var stripped, out _));
        Assert.Equal(LibCConstants.SIfReg | 0x1EDu, stripped.Attributes.Mode);
    }

    [Fact]
    public void Root_creations_stay_owned_by_root()
    {
        var entry = _b.CreateFile(PassthroughFileSystem.RootId, "f", out _);
        var stat = Posix.Lstat(_b.At("f"));
        Assert.Equal((0u, 0u), (stat.Uid, stat.Gid));
        Assert.NotEqual(0ul, entry);
    }

    [Fact]
    public void SetAttr_changes_owner_and_group_as_root_does()
    {
        var node = _b.CreateFile(PassthroughFileSystem.RootId, "f", out _);
        var request = new SetAttrRequest { Fields = SetAttrFields.Uid | SetAttrFields.Gid, Uid = 1234, Gid = 5678 };
        Assert.Equal(Errno.Success, _b.Fs.SetAttr(Backing.Root0, node, request, out var stat));
        Assert.Equal((1234u, 5678u), (stat.Uid, stat.Gid));
        Assert.Equal(stat, Posix.Lstat(_b.At("f")));
    }
}
