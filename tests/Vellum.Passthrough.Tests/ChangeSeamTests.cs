using System.Text;
using Vellum.Native;

namespace Vellum.Passthrough.Tests;

public sealed class ChangeSeamTests : IDisposable
{
    private const ulong Root = PassthroughFileSystem.RootId;

    private readonly RecordingRecorder _recorder = new();
    private readonly Backing _b;

    public ChangeSeamTests() => _b = new Backing(_recorder);

    public void Dispose() => _b.Dispose();

    [Fact]
    public void Every_modifying_operation_is_recorded_once_in_order_and_nothing_else_is()
    {
        var fs = _b.Fs;
        var caller = Backing.Root0;
        var file = _b.CreateFile(Root, "f", out var handle);
        Assert.Equal(Errno.Success, fs.Write(caller, handle, "abc"u8, 0, out _));
        Assert.Equal(Errno.Success, fs.SetAttr(caller, file, new SetAttrRequest { Fields = SetAttrFields.Mode, Mode = 0x180 }, out _));
        Assert.Equal(Errno.Success, fs.SetXattr(caller, file, "user.k"u8, "v"u8, 0));
        Assert.Equal(Errno.Success, fs.RemoveXattr(caller, file, "user.k"u8));
        Assert.Equal(Errno.Success, fs.Fallocate(caller, handle, 0, 0, 4096));
        Assert.Equal(Errno.Success, fs.CopyFileRange(caller, handle, 0, handle, 10, 3, 0, out _));
        Assert.Equal(Errno.Success, fs.Fsync(caller, handle, dataOnly: false));
        var dir = _b.Mkdir(Root, "d");
        Assert.Equal(Errno.EEXIST, fs.Mkdir(caller, Root, "d"u8, 0x1ED, out _));
        Assert.Equal(Errno.Success, fs.Mknod(caller, dir, "p"u8, LibCConstants.SIfIfo | 0x1A4, 0, out _));
        Assert.Equal(Errno.Success, fs.Symlink(caller, dir, "s"u8, "target"u8, out _));
        Assert.Equal(Errno.Success, fs.Link(caller, file, dir, "h"u8, out _));
        Assert.Equal(Errno.Success, fs.Rename(caller, dir, "h"u8, Root, "h2"u8, RenameFlags.None));
        Assert.Equal(Errno.Success, fs.Unlink(caller, Root, "h2"u8));
        Assert.Equal(Errno.Success, fs.Open(caller, file, LibCConstants.ORdWr | LibCConstants.OTrunc, out var truncating));
        Assert.Equal(Errno.Success, fs.OpenDir(dir, out var directory));
        Assert.Equal(Errno.Success, fs.FsyncDir(caller, directory, dataOnly: true));
        Assert.Equal(Errno.Success, fs.Unlink(caller, dir, "p"u8));
        Assert.Equal(Errno.Success, fs.Unlink(caller, dir, "s"u8));
        Assert.Equal(Errno.Success, fs.Rmdir(caller, Root, "d"u8));

        ReadOnlyOperations(file, handle, truncating, directory);

        (ChangeKind, string, string, Errno)[] expected =
        [
            (ChangeKind.Create, "f", "", Errno.Success),
            (ChangeKind.Write, "", "abc", Errno.Success),
            (ChangeKind.SetAttr, "", "", Errno.Success),
            (ChangeKind.SetXattr, "", "v", Errno.Success),
            (ChangeKind.RemoveXattr, "", "", Errno.Success),
            (ChangeKind.Fallocate, "", "", Errno.Success),
            (ChangeKind.CopyFileRange, "", "", Errno.Success),
            (ChangeKind.Fsync, "", "", Errno.Success),
            (ChangeKind.Mkdir, "d", "", Errno.Success),
            (ChangeKind.Mkdir, "d", "", Errno.EEXIST),
            (ChangeKind.Mknod, "p", "", Errno.Success),
            (ChangeKind.Symlink, "s", "target", Errno.Success),
            (ChangeKind.Link, "h", "", Errno.Success),
            (ChangeKind.Rename, "h", "", Errno.Success),
            (ChangeKind.Unlink, "h2", "", Errno.Success),
            (ChangeKind.Truncate, "", "", Errno.Success),
            (ChangeKind.FsyncDir, "", "", Errno.Success),
            (ChangeKind.Unlink, "p", "", Errno.Success),
            (ChangeKind.Unlink, "s", "", Errno.Success),
            (ChangeKind.Rmdir, "d", "", Errno.Success),
        ];
        Assert.Equal(expected, _recorder.Changes);
        Assert.Equal(expected.Length, _recorder.Befores);
    }

    [Fact]
    public void Before_sees_the_prior_state_through_the_change_descriptors()
    {
        _b.CreateFile(Root, "f", out var handle);
        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "old"u8, 0, out _));
        _recorder.CaptureBefore = Capture;

        Assert.Equal(Errno.Success, _b.Fs.Write(Backing.Root0, handle, "new"u8, 0, out _));
        Assert.Equal(Errno.Success, _b.Fs.Unlink(Backing.Root0, Root, "f"u8));

        Assert.Equal(["write over 'old'", "unlink of 'new'"], _recorder.Captured);
    }

    private static string Capture(in Change change)
    {
        if (change.Kind == ChangeKind.Write)
        {
            return $"write over '{File.ReadAllText($"/proc/self/fd/{change.NodeFd}")}'";
        }
        var victim = $"/proc/self/fd/{change.ParentFd}/{Encoding.UTF8.GetString(change.Name)}";
        return $"unlink of '{File.ReadAllText(victim)}'";
    }

    private void ReadOnlyOperations(ulong file, ulong handle, ulong truncating, ulong directory)
    {
        var fs = _b.Fs;
        Assert.Equal(Errno.Success, fs.Lookup(Root, "f"u8, out _));
        Assert.Equal(Errno.Success, fs.GetAttr(file, out _));
        Assert.Equal(Errno.Success, fs.Read(handle, new byte[8], 0, out _));
        Assert.Equal(Errno.Success, fs.Open(Backing.Root0, file, LibCConstants.ORdOnly, out var reader));
        Assert.Equal(Errno.ENODATA, fs.GetXattr(file, "user.k"u8, [], out _));
        Assert.Equal(Errno.Success, fs.ListXattr(file, [], out _));
        Assert.Equal(Errno.Success, fs.Lseek(handle, 0, 0, out _));
        Assert.Equal(Errno.Success, fs.StatFs(Root, out _));
        Assert.Equal(Errno.Success, fs.Access(Backing.Root0, file, 4));
        Assert.Equal(Errno.Success, fs.OpenDir(Root, out var rootDirectory));
        var sink = new ListingSink(int.MaxValue);
        Assert.Equal(Errno.Success, fs.ReadDir(rootDirectory, 0, ref sink));
        var plus = new PlusSink(int.MaxValue);
        Assert.Equal(Errno.Success, fs.ReadDirPlus(rootDirectory, 0, ref plus));
        Assert.Equal(Errno.Success, fs.ReleaseDir(rootDirectory));
        Assert.Equal(Errno.Success, fs.Flush(handle));
        Assert.Equal(Errno.Success, fs.Release(reader));
        Assert.Equal(Errno.Success, fs.Release(truncating));
        Assert.Equal(Errno.Success, fs.ReleaseDir(directory));
        fs.Forget(file, 1);
    }
}
