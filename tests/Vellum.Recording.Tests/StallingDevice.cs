using Vellum.Fuse;
using Vellum.Mount;
using Vellum.Passthrough;

namespace Vellum.Recording.Tests;

/// <summary>
/// A disk that can stall: a real FUSE mount of the project's passthrough whose recorder
/// holds every WRITE while the gate is closed, as a hung or very slow journal disk would.
/// Dispose opens the gate and unmounts, also after a failed test.
/// </summary>
internal sealed class StallingDevice : IDisposable, IChangeRecorder
{
    private readonly PassthroughFileSystem _fileSystem;
    private readonly FuseMount _mount;
    private readonly ManualResetEventSlim _gate = new(true);
    private readonly ManualResetEventSlim _held = new(false);

    public StallingDevice()
    {
        Root = Directory.CreateTempSubdirectory("vellum-stalling-device-").FullName;
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

    public void Stall() => _gate.Reset();

    public void Resume() => _gate.Set();

    /// <summary>Returns once a write has been held at the closed gate.</summary>
    public bool WaitUntilHolding(TimeSpan patience) => _held.Wait(patience);

    public void Before(in Change change)
    {
        if (change.Kind != ChangeKind.Write || _gate.IsSet)
            return;
        _held.Set();
        _gate.Wait();
    }

    public void After(in Change change, in ChangeOutcome outcome)
    {
    }

    public void Dispose()
    {
        _gate.Set();
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
