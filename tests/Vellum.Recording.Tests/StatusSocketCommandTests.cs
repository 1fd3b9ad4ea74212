using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// `vellum status` run by `nobody` against a mount root's daemon serves: the read-only status
/// is every user's to read; a kill -9 leaves the socket file, which answers nothing ("no
/// journaled vellum mount answers") until the next mount replaces it.
/// </summary>
public sealed class StatusSocketCommandTests
{
    private const uint Nobody = 65534;

    /// <summary>The system's "daemon" user: another unprivileged user than nobody.</summary>
    private const uint Daemon = 1;

    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static readonly UnixFileMode Everyone = (UnixFileMode)0x1FF;

    [Fact]
    public void Nobody_reads_a_root_mounts_status_and_the_socket_file_a_kill_9_left_is_replaced_by_the_next_mount()
    {
        using var mount = JournaledMount.Start();
        var socket = StatusSocketFile.Of(mount.MountPoint);
        Assert.True(File.Exists(socket), $"no status socket at {socket}");

        var text = StatusAsNobody(mount.MountPoint);
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.StartsWith($"mount        {mount.MountPoint}\n", text.Output, StringComparison.Ordinal);
        var json = StatusAsNobody(mount.MountPoint, "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        Assert.Equal(mount.Status().GetProperty("journal_id").GetString(), JsonDocument.Parse(json.Output).RootElement.GetProperty("journal_id").GetString());

        mount.Kill();
        Assert.True(File.Exists(socket), "the killed daemon's socket file is gone: the test shows nothing");
        var dead = StatusAsNobody(mount.MountPoint);
        Assert.True(dead.ExitCode == 3, $"exit {dead.ExitCode}: {dead.Output}{dead.Error}");
        Assert.StartsWith($"vellum: no journaled vellum mount answers at {mount.MountPoint} ", dead.Error, StringComparison.Ordinal);

        mount.Mount();
        var again = StatusAsNobody(mount.MountPoint, "--json");
        Assert.True(again.ExitCode == 0, again.Error + mount.Log);
        Assert.Equal(mount.MountPoint, JsonDocument.Parse(again.Output).RootElement.GetProperty("mount_point").GetString());
    }

    /// <summary>
    /// A mount without root: nobody's daemon, in a mount namespace of its own where /dev/fuse is
    /// open to all and fuse.conf allows allow_other (this machine's are root's only; nothing
    /// outside changes), its socket in the shared filesystem like any user's.
    /// </summary>
    [Fact]
    public void A_users_own_mount_serves_its_status_in_the_users_runtime_directory_to_that_user_and_not_to_root()
    {
        var root = Directory.CreateTempSubdirectory("vellum-status-user-").FullName;
        File.SetUnixFileMode(root, Everyone & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        var device = root + ".fuse";
        var fuseConf = root + ".fuse.conf";
        File.WriteAllText(fuseConf, "user_allow_other\n");
        var backing = NobodysDirectory(root, "backing", JournalReplay.RootMode);
        var mountPoint = NobodysDirectory(root, "mnt", JournalReplay.RootMode);
        var data = NobodysDirectory(root, "data", OwnerOnly);
        var runtime = NobodysDirectory(root, "runtime", OwnerOnly);
        var script = "mknod -m 0666 \"$1\" c 10 229 && mount --bind \"$1\" /dev/fuse && mount --bind \"$2\" /etc/fuse.conf && shift 2 && " +
            $"exec setpriv --reuid={Nobody} --regid={Nobody} --clear-groups -- \"$@\"";
        // unshare, sh and setpriv exec in turn: the child's pid is the daemon's.
        using var daemon = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", device, fuseConf,
            "env", "HOME=/tmp", $"XDG_RUNTIME_DIR={runtime}", JournaledMount.DotnetHost, "exec", JournaledMount.Program, "mount", backing, mountPoint, "--journal", Path.Combine(data, "journal")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            WaitForMount(daemon);
            var socket = Path.Combine(runtime, "vellum", "status", SocketName(mountPoint));
            AssertNode(Path.Combine(runtime, "vellum"), LibCConstants.SIfDir, Nobody, 0x1C0);
            AssertNode(Path.Combine(runtime, "vellum", "status"), LibCConstants.SIfDir, Nobody, 0x1C0);
            AssertNode(socket, LibCConstants.SIfSock, Nobody, 0x1B6);

            var own = StatusAs(Nobody, new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime }, mountPoint, "--json");
            Assert.True(own.ExitCode == 0, own.Error);
            Assert.Equal(mountPoint, JsonDocument.Parse(own.Output).RootElement.GetProperty("mount_point").GetString());
            var asRoot = JournaledMount.RunVellum("status", mountPoint);
            Assert.True(asRoot.ExitCode == 3, asRoot.Output + asRoot.Error);
            Assert.StartsWith($"vellum: no journaled vellum mount answers at {mountPoint} ", asRoot.Error, StringComparison.Ordinal);

            Assert.Equal(0, LibC.Kill(daemon.Id, LibCConstants.SigTerm));
            Assert.True(daemon.WaitForExit(JournaledMount.Patience), "nobody's daemon did not stop on SIGTERM");
            Assert.Equal(0, daemon.ExitCode);
            Assert.False(File.Exists(socket), "the status socket is still there after the stop");
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill();
                daemon.WaitForExit();
            }
            File.Delete(device);
            File.Delete(fuseConf);
            TreeRemoval.Delete(root);
        }
    }

    /// <summary>
    /// A user without XDG_RUNTIME_DIR keeps status sockets in /tmp/vellum-UID, a name another
    /// user can take first in a world-writable /tmp (here TMPDIR, a sticky 1777 directory of
    /// the test's): what answers there is not believed.
    /// </summary>
    [Fact]
    public void Vellum_status_refuses_a_server_another_user_planted_in_the_users_temporary_directory_and_names_who_answers()
    {
        var temporary = Directory.CreateTempSubdirectory("vellum-status-tmp-").FullName;
        File.SetUnixFileMode(temporary, Everyone | UnixFileMode.StickyBit);
        var mountPoint = Path.Combine(temporary, "mnt");
        var planted = Path.Combine(temporary, $"vellum-{Daemon}", "status");
        using var impostor = SocketScript.StartServer(asNobody: true, Path.Combine(planted, SocketName(mountPoint)), "{}");
        try
        {
            var refused = StatusAs(Daemon, new Dictionary<string, string> { ["TMPDIR"] = temporary }, mountPoint);

            Assert.True(refused.ExitCode == 3, refused.Output + refused.Error);
            Assert.Equal($"vellum: pid {impostor.Id} (uid {Nobody}) answers on the status socket {Path.Combine(planted, SocketName(mountPoint))}, and is neither root nor you (uid {Daemon}): it is not a vellum mount to trust, and its answer was not read\n", refused.Error);
        }
        finally
        {
            impostor.Kill();
            impostor.WaitForExit();
            TreeRemoval.Delete(temporary);
        }
    }

    /// <summary>Reads the daemon's stderr until it reports the mount; fails the test if it ends first or takes too long.</summary>
    private static void WaitForMount(Process daemon)
    {
        var log = new StringBuilder();
        var mounted = Task.Run(() =>
        {
            while (daemon.StandardError.ReadLine() is { } line)
            {
                log.AppendLine(line);
                if (line.Contains(" mounted at ", StringComparison.Ordinal))
                    return true;
            }
            return false;
        });
        Assert.True(mounted.Wait(JournaledMount.Patience) && mounted.Result, $"the mount did not come up:\n{log}");
    }

    /// <summary>The name of a mount's socket in any status directory.</summary>
    private static string SocketName(string mountPoint) => Path.GetFileName(StatusSocketFile.Of(mountPoint));

    private static string NobodysDirectory(string parent, string name, UnixFileMode mode)
    {
        var directory = Directory.CreateDirectory(Path.Combine(parent, name)).FullName;
        File.SetUnixFileMode(directory, mode);
        Assert.Equal(0, LibC.FChownAt(LibCConstants.AtFdCwd, directory, Nobody, Nobody, 0));
        return directory;
    }

    private static unsafe void AssertNode(string path, uint type, uint owner, uint mode)
    {
        StatxBuffer stat;
        Assert.True(LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) == 0, $"{path}: {LibC.LastError().Text}");
        Assert.True((stat.Mode & LibCConstants.SIfMt) == type && stat.Uid == owner && (stat.Mode & 0xFFFu) == mode,
            $"{path}: type {stat.Mode & LibCConstants.SIfMt:x}, uid {stat.Uid}, mode {Convert.ToString(stat.Mode & 0xFFF, 8)}; expected type {type:x}, uid {owner}, mode {Convert.ToString(mode, 8)}");
    }

    private static (int ExitCode, string Output, string Error) StatusAsNobody(string mountPoint, params string[] more) =>
        StatusAs(Nobody, new Dictionary<string, string>(), mountPoint, more);

    /// <summary>`vellum status MOUNTPOINT MORE` as <paramref name="uid"/> (its group the same number), with <paramref name="environment"/>: exit code, stdout, stderr.</summary>
    private static (int ExitCode, string Output, string Error) StatusAs(uint uid, IReadOnlyDictionary<string, string> environment, string mountPoint, params string[] more)
    {
        var start = new ProcessStartInfo("setpriv", [$"--reuid={uid}", $"--regid={uid}", "--clear-groups", JournaledMount.DotnetHost, "exec", JournaledMount.Program, "status", mountPoint, .. more])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = "/tmp";
        start.Environment.Remove("XDG_RUNTIME_DIR");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(JournaledMount.Patience))
        {
            child.Kill();
            Assert.Fail($"vellum status as uid {uid} did not finish");
        }
        return (child.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
