using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.FuseAdapter.Tests;

/// <summary>Starting, stopping and recovering mounts, through the library and the `vellum` command.</summary>
public sealed class MountLifecycleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-lifecycle-test-").FullName;

    public MountLifecycleTests()
    {
        Directory.CreateDirectory(Backing);
        Directory.CreateDirectory(MountPoint);
    }

    private string Backing => Path.Combine(_root, "backing");

    private string MountPoint => Path.Combine(_root, "mnt");

    public void Dispose()
    {
        // Whatever a failed test left mounted goes too.
        if (MountInfo.FileSystemTypeAt(MountPoint) is not null)
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_killed_daemon_leaves_ENOTCONN_and_the_next_mount_at_that_place_recovers_it()
    {
        File.WriteAllText(Path.Combine(Backing, "kept"), "still here");
        using (var child = ChildProcess.Start(ChildProcess.Self, Program.Serve, Backing, MountPoint))
        {
            Assert.Equal("mounted", child.StandardOutput.ReadLine());
            Assert.Equal("still here", File.ReadAllText(Path.Combine(MountPoint, "kept")));
            child.Kill();
            Assert.True(child.WaitForExit(ChildProcess.Patience));
        }

        Assert.Equal(Errno.ENOTCONN, LibC.StatFsError(MountPoint));

        using var fileSystem = new PassthroughFileSystem(Backing);
        using (FuseMount.Mount(new PassthroughFuseFileSystem(fileSystem, usePassthrough: true), new FuseMountOptions { MountPoint = MountPoint, Source = Backing }))
            Assert.Equal("still here", File.ReadAllText(Path.Combine(MountPoint, "kept")));
        Assert.Null(MountInfo.FileSystemTypeAt(MountPoint));
    }

    [Fact]
    public void Vellum_mount_serves_until_vellum_umount_and_leaves_nothing_mounted()
    {
        using var child = ChildProcess.Start(ChildProcess.Vellum, "mount", Backing, MountPoint, "--no-journal");
        var banner = child.StandardError.ReadLine();
        Assert.Contains("mounted at", banner);
        File.WriteAllText(Path.Combine(MountPoint, "written"), "through the mount");

        var (exitCode, _, error) = ChildProcess.Run(ChildProcess.Vellum, "umount", MountPoint);

        Assert.True(exitCode == 0, error);
        Assert.True(child.WaitForExit(ChildProcess.Patience));
        Assert.Equal(0, child.ExitCode);
        Assert.Null(MountInfo.FileSystemTypeAt(MountPoint));
        Assert.Equal("through the mount", File.ReadAllText(Path.Combine(Backing, "written")));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Vellum_mount_unmounts_on_SIGTERM_and_SIGINT(string signal)
    {
        // As a terminal starts a foreground job: no signal ignored by inheritance (a shell's
        // background job, for one, starts with SIGINT ignored, which the mount respects).
        using var child = ChildProcess.Start("env", "--default-signal", ChildProcess.DotnetHost, "exec", ChildProcess.Vellum, "mount", Backing, MountPoint, "--no-journal");
        Assert.Contains("mounted at", child.StandardError.ReadLine());

        Process.Start("kill", [$"-{signal}", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        Assert.True(child.WaitForExit(ChildProcess.Patience));
        Assert.Equal(0, child.ExitCode);
        Assert.Null(MountInfo.FileSystemTypeAt(MountPoint));
    }

    [Theory]
    [InlineData("missing-backing", "does not exist")]
    [InlineData("non-empty-mountpoint", "not empty")]
    [InlineData("journal-inside-backing", "must not be inside")]
    [InlineData("mountpoint-inside-backing", "must not be inside")]
    public void Vellum_mount_refuses_bad_arguments_with_one_clear_line(string mistake, string expected)
    {
        var backing = Backing;
        var mountPoint = MountPoint;
        string[] flags = ["--no-journal"];
        switch (mistake)
        {
            case "missing-backing":
                backing = Path.Combine(_root, "nothing");
                break;
            case "non-empty-mountpoint":
                File.WriteAllText(Path.Combine(MountPoint, "occupant"), "x");
                break;
            case "journal-inside-backing":
                flags = ["--journal", Path.Combine(Backing, "journal")];
                break;
            case "mountpoint-inside-backing":
                mountPoint = Directory.CreateDirectory(Path.Combine(Backing, "inner")).FullName;
                break;
        }

        var (exitCode, output, error) = ChildProcess.Run(ChildProcess.Vellum, ["mount", backing, mountPoint, .. flags]);

        Assert.NotEqual(0, exitCode);
        Assert.Empty(output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, error);
        Assert.Null(MountInfo.FileSystemTypeAt(mountPoint));
    }

    [Fact]
    public void Vellum_umount_refuses_a_place_where_nothing_of_vellum_is_mounted()
    {
        var (exitCode, _, error) = ChildProcess.Run(ChildProcess.Vellum, "umount", MountPoint);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("nothing is mounted", error);
    }
}
