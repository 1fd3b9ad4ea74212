using Vellum.Fuse;
using Vellum.FuseAdapter;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.Testing;

/// <summary>
/// A test disk with a hook on every change: a real FUSE mount of the project's passthrough
/// over a temporary directory, whose recorder is the subclass. Its hooks run before the
/// kernel gets its reply, so a subclass can watch or hold what programs do to the disk.
/// Dispose unmounts and deletes it, also after a failed test.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public abstract class TestDevice : IDisposable, IChangeRecorder
{
    private readonly PassthroughFileSystem _fileSystem;
    private readonly FuseMount _mount;

    protected TestDevice(string name)
    {
        Root = Directory.CreateTempSubdirectory($"vellum-{name}-").FullName;
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

    public virtual Errno Before(in Change change) => Errno.Success;

    public virtual Errno After(in Change change, in ChangeOutcome outcome) => Errno.Success;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
            return;
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
