using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Cli.Tests;

/// <summary>
/// `vellum mirror` of a real mount's journal: the replica root takes the mode and owner the
/// backing root has (0700, uid 1234, then 0750 by a chmod through the mount), is never seen
/// wider, narrows a directory that was 0777 before, and `--verify` / `--rebuild` find and
/// mend a root widened by hand. The mount is stopped and unmounted on every path out.
/// </summary>
public sealed class MirrorRootTests : IDisposable
{
    private const uint SourceUid = 1234;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-mirror-root-").FullName;

    private string Backing => Path.Combine(_root, "backing");

    private string MountPoint => Path.Combine(_root, "mnt");

    private string Journal => Path.Combine(_root, "journal");

    private string Replica => Path.Combine(_root, "replica");

    public void Dispose()
    {
        if (IsMounted(MountPoint))
            Process.Start("umount", ["-l", MountPoint])!.WaitForExit();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void The_replica_root_follows_the_backing_roots_mode_and_owner_never_wider_and_verify_and_rebuild_mend_it()
    {
        Directory.CreateDirectory(Backing);
        Directory.CreateDirectory(MountPoint);
        if (LibC.FChownAt(LibCConstants.AtFdCwd, Backing, SourceUid, SourceUid, 0) != 0)
            throw SystemCallException.Last("chown", Backing);
        File.SetUnixFileMode(Backing, (UnixFileMode)0x1C0);
        var wide = Path.Combine(_root, "wide");
        Directory.CreateDirectory(wide);
        File.SetUnixFileMode(wide, (UnixFileMode)0x1FF);

        using var mount = Vellum.Start("mount", Backing, MountPoint, "--journal", Journal);
        try
        {
            Assert.True(Until(() => IsMounted(MountPoint)), "vellum mount did not mount");
            var seen = new List<(uint, uint)>();
            // The root's mode and owner reach the journal with the baseline, in the background.
            Assert.True(Until(() => MirrorOnce(Replica, seen) == (0x1C0, SourceUid)), $"the replica root was {string.Join(", ", seen)}");
            Assert.All(seen, state => Assert.Equal(0u, state.Item1 & 0x3F));

            File.SetUnixFileMode(MountPoint, (UnixFileMode)0x1E8);
            Assert.True(Until(() => MirrorOnce(Replica, seen) == (0x1E8, SourceUid)), $"the replica root was {string.Join(", ", seen)}");
            Assert.Equal((0x1E8u, SourceUid), MirrorOnce(wide, seen));

            File.SetUnixFileMode(Replica, (UnixFileMode)0x1FF);
            var verify = Vellum.Run("mirror", "--store", Journal, "--to", Replica, "--verify");
            Assert.True(verify.ExitCode == 2, verify.ToString());
            Assert.Contains("  .: mode: expected 0750, found 0777", verify.Output);
            var rebuild = Vellum.Run("mirror", "--store", Journal, "--to", Replica, "--rebuild");
            Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
            Assert.Equal((0x1E8u, SourceUid), ModeAndOwner(Replica));

            using (var kill = Process.Start("kill", ["-TERM", mount.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                kill.WaitForExit();
            Assert.True(mount.WaitForExit(Vellum.Patience), "the mount did not stop on SIGTERM");
        }
        finally
        {
            if (!mount.HasExited)
            {
                mount.Kill();
                mount.WaitForExit();
            }
        }
    }

    /// <summary>Runs `vellum mirror` once into <paramref name="replica"/> and returns its root's mode and owner, also added to <paramref name="seen"/>.</summary>
    private (uint Mode, uint Uid) MirrorOnce(string replica, List<(uint, uint)> seen)
    {
        var result = Vellum.Run("mirror", "--store", Journal, "--to", replica);
        Assert.True(result.ExitCode == 0, result.ToString());
        var state = ModeAndOwner(replica);
        seen.Add(state);
        return state;
    }

    private static unsafe (uint Mode, uint Uid) ModeAndOwner(string path)
    {
        StatxBuffer stat;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
            throw SystemCallException.Last("statx", path);
        return (stat.Mode & 0xFFFu, stat.Uid);
    }

    private static bool Until(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Vellum.Patience)
                return false;
            Thread.Sleep(50);
        }
        return true;
    }

    private static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line => line.Split(' ')[4] == path);
}
