using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vellum.Fuse;

namespace Vellum.Fuse.Tests;

/// <summary>A <see cref="MemoryFileSystem"/> mounted on a fresh temporary directory; Dispose unmounts and removes the directory.</summary>
internal sealed class TestMount : IDisposable
{
    private TestMount(string directory, MemoryFileSystem fileSystem, FuseMount mount)
    {
        Directory = directory;
        FileSystem = fileSystem;
        Mount = mount;
    }

    public string Directory { get; }
    public MemoryFileSystem FileSystem { get; }
    public FuseMount Mount { get; }

    public string this[string relative] => Path.Combine(Directory, relative);

    public static TestMount Create(bool passthrough = false, Action<MemoryFileSystem>? setup = null, ILogger? logger = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("vellum-fuse-").FullName;
        var fileSystem = new MemoryFileSystem();
        setup?.Invoke(fileSystem);
        try
        {
            var mount = FuseMount.Mount(fileSystem, Options(directory, passthrough, logger));
            return new TestMount(directory, fileSystem, mount);
        }
        catch
        {
            System.IO.Directory.Delete(directory);
            throw;
        }
    }

    public static FuseMountOptions Options(string directory, bool passthrough = false, ILogger? logger = null) => new()
    {
        Logger = logger ?? NullLogger.Instance,
        MountPoint = directory,
        Source = "/vellum-test-backing",
        EnablePassthrough = passthrough,
        EntryTimeout = TimeSpan.Zero,
        AttrTimeout = TimeSpan.Zero,
    };

    public void Dispose()
    {
        Mount.Dispose();
        System.IO.Directory.Delete(Directory);
    }
}
