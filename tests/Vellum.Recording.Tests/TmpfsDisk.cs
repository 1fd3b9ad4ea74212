using System.Diagnostics;

namespace Vellum.Recording.Tests;

/// <summary>A small disk for a journal: a tmpfs of a given size on a temporary directory, unmounted and removed by Dispose.</summary>
internal sealed class TmpfsDisk : IDisposable
{
    public TmpfsDisk(string size)
    {
        Path = Directory.CreateTempSubdirectory("vellum-journal-disk-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", Path);
    }

    public string Path { get; }

    /// <summary>Gives the filesystem a new size, keeping what it holds.</summary>
    public void Resize(string size) => Run("mount", "-o", $"remount,size={size}", Path);

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path);
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
