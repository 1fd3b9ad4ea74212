using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// A temporary root with a backing directory, a mountpoint and a place for the journal. Dispose
/// leaves no mount behind, whatever the test did, and removes the tree.
/// </summary>
internal sealed class Workspace : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("vellum-host-").FullName;
        Backing = Directory.CreateDirectory(Path.Combine(Root, "backing")).FullName;
        File.SetUnixFileMode(Backing, JournalReplay.RootMode);
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        Journal = Path.Combine(Root, "journal");
    }

    public string Root { get; }

    public string Backing { get; }

    public string MountPoint { get; }

    public string Journal { get; }

    public CapturedLog Log { get; } = new();

    /// <summary>Options for a journaled mount of this workspace, logging to <see cref="Log"/>.</summary>
    public MountHostOptions JournaledMount(Recording.SyncMode sync = Recording.SyncMode.Local) => new()
    {
        Backing = Backing,
        MountPoint = MountPoint,
        Journal = new Recording.MountJournalOptions { Directory = Journal, BackingDirectory = Backing, Sync = sync },
        LoggerFactory = Log,
    };

    /// <summary>Runs a bash script in the mount, as a program of its own: fails the test unless it exits 0.</summary>
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

    /// <summary>Replays the journal from nothing into ROOT/replay and requires it to equal the backing directory.</summary>
    public void AssertJournalReplaysToBacking()
    {
        var replica = Path.Combine(Root, "replay");
        JournalReplay.Into(Journal, replica);
        TreeComparison.AssertEqual(Backing, replica);
    }

    /// <summary>ROOT/<paramref name="name"/> holding <paramref name="contents"/>, mode 0600 (as secrets files must be); its path.</summary>
    public string PrivateFile(string name, string contents)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, contents);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static bool IsMounted(string path) => MountInfo.FileSystemTypeAt(path) is not null;

    public void Dispose()
    {
        foreach (var mounted in new[] { MountPoint, Path.Combine(Root, "readonly") }.Where(IsMounted))
            Process.Start("umount", ["-l", mounted])!.WaitForExit();
        TreeRemoval.Delete(Root);
    }
}
