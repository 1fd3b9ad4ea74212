using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Host;
using Vellum.Recording;
using Vellum.Testing;

namespace Vellum.Catalog.Tests;

/// <summary>A temporary backing directory, mountpoint and journal; Dispose leaves no mount behind and removes the tree.</summary>
internal sealed class Workspace : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("vellum-catalog-").FullName;
        Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        Journal = Path.Combine(Root, "journal");
    }

    public string Root { get; }

    public string Backing { get; }

    public string MountPoint { get; }

    public string Journal { get; }

    public CapturedLog Log { get; } = new();

    public MountHost Mount() => MountHost.Start(new MountHostOptions
    {
        Backing = Backing,
        MountPoint = MountPoint,
        Journal = new MountJournalOptions { Directory = Journal, BackingDirectory = Backing },
        LoggerFactory = Log,
    });

    /// <summary>Runs a bash script in the mount as a program of its own; fails the test unless it exits 0.</summary>
    public void RunInMount(string script)
    {
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-euc", script])
        {
            WorkingDirectory = MountPoint,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var error = shell.StandardError.ReadToEndAsync();
        if (!shell.WaitForExit(Patience))
        {
            shell.Kill();
            Assert.Fail($"the script did not finish within {Patience.TotalSeconds:0} s:\n{script}");
        }
        Assert.True(shell.ExitCode == 0, $"the script failed ({shell.ExitCode}): {error.GetAwaiter().GetResult()}\n{script}\n{Log.Text}");
    }

    public void Dispose()
    {
        if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
        TreeRemoval.Delete(Root);
    }
}
