using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Fuse.Tests;

/// <summary>A mount by a user without root goes through fusermount3 and unmounts on SIGTERM.</summary>
public sealed class UnprivilegedMountTests
{
    private const uint Nobody = 65534;

    /// <summary>
    /// This machine's /dev/fuse is root's only (0600, where 0666 is usual), so the child runs in
    /// its own mount namespace with a 0666 node bound over /dev/fuse: nothing outside changes,
    /// and whatever it mounts disappears with it.
    /// </summary>
    [Fact]
    public void A_non_root_user_mounts_through_fusermount3_and_SIGTERM_unmounts()
    {
        var directory = Directory.CreateTempSubdirectory("vellum-fuse-user-").FullName;
        var device = directory + ".dev";
        Assert.Equal(0, LibC.FChownAt(LibCConstants.AtFdCwd, directory, Nobody, Nobody, 0));
        try
        {
            var serve = ChildMount.Start(ChildMount.ServeUntilSignal, directory);
            var script = "mknod -m 0666 \"$1\" c 10 229 && mount --bind \"$1\" /dev/fuse && shift && " +
                $"exec setpriv --reuid={Nobody} --regid={Nobody} --clear-groups -- \"$@\"";
            var start = new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", device, serve.FileName, .. serve.ArgumentList])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };

            // unshare, sh and setpriv exec in turn: the child's pid is the mount holder's.
            using var child = Process.Start(start)!;
            try
            {
                Assert.Equal(ChildMount.MountedLine, child.StandardOutput.ReadLine());
                Assert.Equal("fuse.vellum", MountInfo.FileSystemTypeAt(directory, $"/proc/{child.Id}/mountinfo"));

                Assert.Equal(0, LibC.Kill(child.Id, LibCConstants.SigTerm));
                Assert.True(child.WaitForExit(10_000), "the mount holder did not exit on SIGTERM");
                Assert.Equal(0, child.ExitCode);
            }
            finally
            {
                if (!child.HasExited)
                {
                    child.Kill();
                    child.WaitForExit();
                }
            }

            Assert.Null(MountInfo.FileSystemTypeAt(directory));
        }
        finally
        {
            File.Delete(device);
            Directory.Delete(directory, recursive: true);
        }
    }
}
