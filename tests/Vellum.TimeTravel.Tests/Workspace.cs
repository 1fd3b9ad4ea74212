using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Host;
using Vellum.Native;
using Vellum.Recording;
using Vellum.Testing;

namespace Vellum.TimeTravel.Tests;

/// <summary>A temporary root with a backing directory, a mountpoint and a journal; dispose leaves no mount behind and removes the tree.</summary>
internal sealed class Workspace : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("vellum-timetravel-").FullName;
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

    public MountHostOptions JournaledMount() => new()
    {
        Backing = Backing,
        MountPoint = MountPoint,
        Journal = new MountJournalOptions { Directory = Journal, BackingDirectory = Backing },
        LoggerFactory = Log,
    };

    /// <summary>Waits until every change made through the mount so far is durable in the journal (an fsync of the mount's root returns once it is); returns the last transaction id.</summary>
    public ulong Settle(MountHost host)
    {
        var root = LibC.Open(MountPoint, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        Assert.True(root >= 0, $"cannot open the mount's root: {LibC.LastError().Text}");
        try
        {
            Assert.Equal(0, LibC.FSync(root));
        }
        finally
        {
            LibC.Close(root);
        }
        Assert.True(Poll.Until(() => host.Journal!.Status() is { FifoBytesInUse: 0 } status && status.DurablePosition == status.WrittenPosition, Patience), "the journal did not become durable");
        return host.Journal!.Status().LastTransactionId;
    }

    /// <summary>ROOT/<paramref name="name"/>, mode 0600, holding <paramref name="contents"/>.</summary>
    public string PrivateFile(string name, string contents)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, contents);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public void Dispose()
    {
        if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
        TreeRemoval.Delete(Root);
    }
}
