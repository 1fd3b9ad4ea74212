using Vellum.Fuse;
using Vellum.Passthrough;

namespace Vellum.FuseAdapter.Tests;

/// <summary>
/// A backing directory served through a real FUSE mount, beside a plain directory on the
/// same filesystem for comparison. Dispose unmounts and removes everything, also after a
/// failed test.
/// </summary>
internal sealed class MountedDirectory : IDisposable
{
    private readonly PassthroughFileSystem _backing;
    private readonly FuseMount _mount;

    public MountedDirectory(bool passthrough = true, int nodeDescriptorLimit = 0)
    {
        Root = Directory.CreateTempSubdirectory("vellum-mount-test-").FullName;
        Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        Plain = Directory.CreateDirectory(Path.Combine(Root, "plain")).FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        _backing = new PassthroughFileSystem(Backing, nodeDescriptorLimit: nodeDescriptorLimit);
        try
        {
            _mount = FuseMount.Mount(new PassthroughFuseFileSystem(_backing, passthrough), new FuseMountOptions
            {
                MountPoint = MountPoint,
                Source = Backing,
                EnablePassthrough = passthrough,
            });
        }
        catch
        {
            _backing.Dispose();
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    public string Root { get; }
    public string Backing { get; }
    public string Plain { get; }
    public string MountPoint { get; }

    /// <summary>
    /// Runs the same steps in the plain directory and through the mount: what each step
    /// observed (results, errnos) and the resulting trees must be the same, and the backing
    /// directory must hold what the mount shows.
    /// </summary>
    public void AssertBehavesLikePlain(Func<string, IEnumerable<string>> steps)
    {
        var plain = steps(Plain).ToList();
        var mounted = steps(MountPoint).ToList();
        Assert.Equal(plain, mounted);
        var plainTree = TreeSnapshot.Of(Plain);
        Assert.Equal(plainTree, TreeSnapshot.Of(MountPoint));
        Assert.Equal(plainTree, TreeSnapshot.Of(Backing));
    }

    public void Dispose()
    {
        try
        {
            _mount.Dispose();
            _backing.Dispose();
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
