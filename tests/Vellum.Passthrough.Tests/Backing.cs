using System.Text;
using Vellum.Native;

namespace Vellum.Passthrough.Tests;

/// <summary>
/// A temporary backing directory served by a <see cref="PassthroughFileSystem"/>, and a
/// sibling plain directory for doing the same steps directly.
/// </summary>
internal sealed class Backing : IDisposable
{
    public Backing(IChangeRecorder? recorder = null, int nodeDescriptorLimit = 0)
    {
        Root = Directory.CreateTempSubdirectory("vellum-pt-").FullName;
        Path = System.IO.Path.Combine(Root, "backing");
        Plain = System.IO.Path.Combine(Root, "plain");
        Directory.CreateDirectory(Path);
        Directory.CreateDirectory(Plain);
        Fs = new PassthroughFileSystem(Path, recorder, nodeDescriptorLimit);
    }

    public string Root { get; }

    /// <summary>The directory the file system serves.</summary>
    public string Path { get; }

    /// <summary>A directory outside it, for the same steps done with plain calls.</summary>
    public string Plain { get; }

    public PassthroughFileSystem Fs { get; }

    public static Caller Root0 => Caller.Root;

    public static byte[] N(string name) => Encoding.UTF8.GetBytes(name);

    public string At(string relative) => System.IO.Path.Combine(Path, relative);

    public NodeEntry Lookup(ulong parent, string name)
    {
        Assert.Equal(Errno.Success, Fs.Lookup(parent, N(name), out var entry));
        return entry;
    }

    public ulong CreateFile(ulong parent, string name, out ulong handle, uint mode = 0x1A4, Caller? caller = null)
    {
        Assert.Equal(Errno.Success, Fs.Create(caller ?? Root0, parent, N(name), mode, LibCConstants.ORdWr, out var entry, out handle));
        return entry.NodeId;
    }

    public ulong Mkdir(ulong parent, string name, uint mode = 0x1ED, Caller? caller = null)
    {
        Assert.Equal(Errno.Success, Fs.Mkdir(caller ?? Root0, parent, N(name), mode, out var entry));
        return entry.NodeId;
    }

    public void Dispose()
    {
        Fs.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
