using System.Text;
using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>The same steps through the passthrough and with plain calls give the same tree.</summary>
public sealed class ParityTests : IDisposable
{
    private const ulong Root = PassthroughFileSystem.RootId;

    private readonly Backing _b = new();

    public void Dispose() => _b.Dispose();

    [Fact]
    public void A_sequence_of_root_changes_matches_plain_calls()
    {
        var caller = new Caller(0, 0, 1, 0x12);
        var fs = _b.Fs;
        Assert.Equal(Errno.Success, fs.Mkdir(caller, Root, "d"u8, 0x1FF, out var d));
        Assert.Equal(Errno.Success, fs.Create(caller, d.NodeId, "f"u8, 0x1B6, LibCConstants.ORdWr, out var f, out var handle));
        Assert.Equal(Errno.Success, fs.Write(caller, handle, "hello, parity"u8, 0, out _));
        Assert.Equal(Errno.Success, fs.Symlink(caller, d.NodeId, "l"u8, "f"u8, out _));
        Assert.Equal(Errno.Success, fs.Link(caller, f.NodeId, Root, "hard"u8, out _));
        Assert.Equal(Errno.Success, fs.Rename(caller, d.NodeId, "f"u8, d.NodeId, "g"u8, RenameFlags.None));
        Assert.Equal(Errno.Success, fs.SetAttr(caller, f.NodeId, new SetAttrRequest { Fields = SetAttrFields.Mode | SetAttrFields.Size, Mode = 0x180, Size = 5 }, out _));
        Assert.Equal(Errno.Success, fs.Mknod(caller, d.NodeId, "fifo"u8, LibCConstants.SIfIfo | 0x1B6, 0, out _));
        Assert.Equal(Errno.Success, fs.Mkdir(caller, d.NodeId, "gone"u8, 0x1FF, out _));
        Assert.Equal(Errno.Success, fs.Rmdir(caller, d.NodeId, "gone"u8));
        Assert.Equal(Errno.Success, fs.Release(handle));

        var plain = _b.Plain;
        Directory.CreateDirectory(Path.Combine(plain, "d"), (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(plain, "d/f"), "hello, parity");
        File.SetUnixFileMode(Path.Combine(plain, "d/f"), (UnixFileMode)0x1A4);
        File.CreateSymbolicLink(Path.Combine(plain, "d/l"), "f");
        HardLink(Path.Combine(plain, "d/f"), Path.Combine(plain, "hard"));
        File.Move(Path.Combine(plain, "d/f"), Path.Combine(plain, "d/g"));
        File.SetUnixFileMode(Path.Combine(plain, "d/g"), (UnixFileMode)0x180);
        using (var stream = new FileStream(Path.Combine(plain, "d/g"), FileMode.Open))
        {
            stream.SetLength(5);
        }
        Posix.Mknod(Path.Combine(plain, "d/fifo"), LibCConstants.SIfIfo | 0x1A4, 0);

        TreeComparer.AssertSame(plain, _b.Path);
    }

    [Fact]
    public void A_users_creations_match_what_the_kernel_gives_that_user()
    {
        const uint uid = 1234;
        const uint gid = 5678;
        Posix.Chmod(_b.Root, 0x1ED);
        Posix.Chmod(_b.Plain, 0x1ED);
        foreach (var root in new[] { _b.Path, _b.Plain })
        {
            Directory.CreateDirectory(Path.Combine(root, "open"));
            Posix.Chmod(Path.Combine(root, "open"), 0x1FF);
            Directory.CreateDirectory(Path.Combine(root, "shared"));
            Posix.Chown(Path.Combine(root, "shared"), 0, 999);
            Posix.Chmod(Path.Combine(root, "shared"), LibCConstants.SISgid | 0x1FF);
        }

        var caller = new Caller(uid, gid, 1, 0x12);
        foreach (var dir in new[] { "open", "shared" })
        {
            var parent = _b.Lookup(Root, dir).NodeId;
            Assert.Equal(Errno.Success, _b.Fs.Create(caller, parent, "file"u8, 0x1B6, LibCConstants.ORdWr, out _, out _));
            Assert.Equal(Errno.Success, _b.Fs.Create(caller, parent, "setgid"u8, 0xDFF, LibCConstants.ORdWr, out _, out _));
            Assert.Equal(Errno.Success, _b.Fs.Mkdir(caller, parent, "sub"u8, 0x1FF, out _));
            Assert.Equal(Errno.Success, _b.Fs.Mknod(caller, parent, "fifo"u8, LibCConstants.SIfIfo | 0x1B6, 0, out _));
            Assert.Equal(Errno.Success, _b.Fs.Symlink(caller, parent, "link"u8, "file"u8, out _));
        }

        FsIdentity.RunAs(uid, gid, () =>
        {
            foreach (var dir in new[] { "open", "shared" })
            {
                var parent = Path.Combine(_b.Plain, dir);
                LibCClose(Posix.Open(Path.Combine(parent, "file"), 0x40 | LibCConstants.ORdWr, 0x1B6 & ~0x12u));
                LibCClose(Posix.Open(Path.Combine(parent, "setgid"), 0x40 | LibCConstants.ORdWr, 0xDFF & ~0x12u));
                Directory.CreateDirectory(Path.Combine(parent, "sub"), (UnixFileMode)(0x1FF & ~0x12));
                Posix.Mknod(Path.Combine(parent, "fifo"), LibCConstants.SIfIfo | (0x1B6 & ~0x12u), 0);
                File.CreateSymbolicLink(Path.Combine(parent, "link"), "file");
            }
        });

        TreeComparer.AssertSame(_b.Plain, _b.Path);
    }

    private static void LibCClose(int fd) => LibC.Close(fd);

    private static unsafe void HardLink(string existing, string link)
    {
        var from = Encoding.UTF8.GetBytes(existing + "\0");
        var to = Encoding.UTF8.GetBytes(link + "\0");
        fixed (byte* f = from)
        fixed (byte* t = to)
        {
            Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, f, LibCConstants.AtFdCwd, t, 0));
        }
    }
}
