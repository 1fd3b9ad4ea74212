using Vellum.Fuse;
using Vellum.Mount;
using Vellum.Passthrough;

namespace Vellum.Store.Tests;

/// <summary>
/// A test device that counts fsyncs: a real FUSE mount of the project's passthrough, with a
/// recorder that sees every FSYNC the kernel forwards and notes the size of the file when
/// it completed. The recorder runs before the reply, so whatever it noted happened before
/// the fdatasync returned to the program. Dispose unmounts, also after a failed test.
/// </summary>
internal sealed class SyncCountingDevice : IDisposable, IChangeRecorder
{
    private readonly PassthroughFileSystem _fileSystem;
    private readonly FuseMount _mount;
    private readonly Lock _lock = new();
    private long _syncedSize;

    public SyncCountingDevice()
    {
        Root = Directory.CreateTempSubdirectory("vellum-sync-device-").FullName;
        var backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        _fileSystem = new PassthroughFileSystem(backing, this);
        try
        {
            _mount = FuseMount.Mount(new PassthroughFuseFileSystem(_fileSystem, usePassthrough: true), new FuseMountOptions { MountPoint = MountPoint, Source = backing });
        }
        catch
        {
            _fileSystem.Dispose();
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    public string Root { get; }

    public string MountPoint { get; }

    public int FileSyncs { get; private set; }

    /// <summary>The largest file size seen at the completion of a file fsync or fdatasync.</summary>
    public long SyncedSize
    {
        get
        {
            lock (_lock)
                return _syncedSize;
        }
    }

    public void Before(in Change change)
    {
    }

    public void After(in Change change, in ChangeOutcome outcome)
    {
        if (change.Kind != ChangeKind.Fsync || outcome.Result != Passthrough.Errno.Success)
            return;
        // The /proc link itself has the length of its target's name; its target has the file's size.
        var size = ((FileInfo)new FileInfo($"/proc/self/fd/{change.HandleFd}").ResolveLinkTarget(returnFinalTarget: true)!).Length;
        lock (_lock)
        {
            FileSyncs++;
            _syncedSize = Math.Max(_syncedSize, size);
        }
    }

    public void Dispose()
    {
        try
        {
            _mount.Dispose();
            _fileSystem.Dispose();
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
