using System.Diagnostics;
using Vellum.Fuse;
using Vellum.Native;

namespace Vellum.Fuse.Tests;

/// <summary>What a killed mount holder leaves behind, and how the next mount clears it.</summary>
public sealed class StaleMountTests
{
    [Fact]
    public void A_SIGKILLed_holder_leaves_ENOTCONN_and_the_next_mount_there_clears_it()
    {
        var directory = Directory.CreateTempSubdirectory("vellum-fuse-stale-").FullName;
        try
        {
            using (var child = Process.Start(ChildMount.Start(ChildMount.HoldUntilKilled, directory))!)
            {
                try
                {
                    Assert.Equal(ChildMount.MountedLine, child.StandardOutput.ReadLine());
                    Assert.Equal("fuse.vellum", MountInfo.FileSystemTypeAt(directory));
                }
                finally
                {
                    child.Kill();
                    child.WaitForExit();
                }
            }

            Poll.Until(() => LibC.StatError(directory) == Errno.ENOTCONN, "ENOTCONN at the dead mount");

            using (var mount = FuseMount.Mount(new MemoryFileSystem(), TestMount.Options(directory)))
            {
                Assert.Equal(Errno.Success, LibC.StatError(directory));
                File.WriteAllText(Path.Combine(directory, "after"), "alive");
                Assert.Equal("alive", File.ReadAllText(Path.Combine(directory, "after")));
            }

            Assert.Null(MountInfo.FileSystemTypeAt(directory));
        }
        finally
        {
            // Whatever happened above, leave no mount behind.
            if (MountInfo.FileSystemTypeAt(directory) is not null)
            {
                LibC.Umount2(directory, LibCConstants.MntDetach);
            }

            Directory.Delete(directory);
        }
    }

    [Fact]
    public void A_live_mount_and_a_non_empty_directory_are_refused_with_one_clear_message()
    {
        using (var mounted = TestMount.Create())
        {
            var error = Assert.Throws<FuseException>(() => FuseMount.Mount(new MemoryFileSystem(), TestMount.Options(mounted.Directory)));
            Assert.Contains("a live fuse.vellum filesystem is already mounted there", error.Message);
        }

        var directory = Directory.CreateTempSubdirectory("vellum-fuse-full-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "occupant"), "x");
            var error = Assert.Throws<FuseException>(() => FuseMount.Mount(new MemoryFileSystem(), TestMount.Options(directory)));
            Assert.Equal($"cannot mount at {directory}: the directory is not empty", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
