using Vellum.Native;
using Vellum.Recording.Binding;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// The status channel as another local user meets it: a socket file in a directory only root
/// may write (/run/vellum/status), which `nobody` can read the status from but cannot take a
/// mount's name in; a client that believes only root or itself; a socket file a killed mount
/// left replaced, a live one left alone; a status directory someone else made refused.
/// </summary>
public sealed class StatusSocketTests
{
    private const uint Nobody = 65534;

    private static readonly UnixFileMode Mode0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Fact]
    public void Nobody_cannot_take_a_mounts_status_name_in_run_vellum_status_but_reads_the_status_a_root_mount_serves_there()
    {
        using var workspace = new Workspace();
        var socket = StatusSocketDirectory.SocketPath(StatusSocketDirectory.System, workspace.MountPoint);
        StatusSocketDirectory.Prepare(StatusSocketDirectory.System);

        var squat = SocketScript.Run(SocketScript.Bind, asNobody: true, socket);
        Assert.True(squat.ExitCode == 1, $"nobody bound the status name before the mount: {squat}");
        Assert.Equal("Permission denied", squat.Output.Trim());

        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            AssertNode(RuntimeDirectory.System, LibCConstants.SIfDir, 0, 0x1ED);
            AssertNode(StatusSocketDirectory.System, LibCConstants.SIfDir, 0, 0x1ED);
            AssertNode(Path.Combine(RuntimeDirectory.System, "locks"), LibCConstants.SIfDir, 0, 0x1C0);
            AssertNode(socket, LibCConstants.SIfSock, 0, 0x1B6);

            var asked = SocketScript.Run(SocketScript.Receive, asNobody: true, socket);
            Assert.True(asked.ExitCode == 0, asked.Error);
            Assert.Contains($"\"journal_id\":\"{host.Journal!.Header.JournalId}\"", asked.Output, StringComparison.Ordinal);
            workspace.Log.WaitFor($"status of {workspace.MountPoint} asked by pid {asked.Pid} (uid {Nobody}, gid {Nobody})", Workspace.Patience);

            var planted = SocketScript.Run("open(__import__('sys').argv[1], 'w')", asNobody: true, Path.Combine(StatusSocketDirectory.System, "planted"));
            Assert.NotEqual(0, planted.ExitCode);
            Assert.Contains("PermissionError", planted.Error, StringComparison.Ordinal);

            Assert.Equal(host.Journal.Header.JournalId.ToString(), MountStatusClient.Ask(workspace.MountPoint)?.Status.JournalId);
            host.Stop();
        }
        Assert.False(File.Exists(socket), "the status socket is still there after the stop");
        Assert.Null(MountStatusClient.Ask(workspace.MountPoint));
    }

    [Fact]
    public void A_status_socket_another_user_serves_is_refused_by_the_client_which_says_who_answers_there()
    {
        using var workspace = new Workspace();
        File.SetUnixFileMode(workspace.Root, Mode0755);
        var impostors = Directory.CreateDirectory(Path.Combine(workspace.Root, "impostor")).FullName;
        File.SetUnixFileMode(impostors, Mode0755);
        Assert.Equal(0, LibC.FChownAt(LibCConstants.AtFdCwd, impostors, Nobody, Nobody, 0));
        var socket = StatusSocketDirectory.SocketPath(impostors, workspace.MountPoint);
        var lie = $$"""{"mount_point":"{{workspace.MountPoint}}","journal":"/nowhere"}""";

        using var impostor = SocketScript.StartServer(asNobody: true, socket, lie);
        try
        {
            var refused = Assert.Throws<UntrustedStatusServerException>(() => MountStatusClient.Ask(workspace.MountPoint, impostors));

            Assert.Equal($"pid {impostor.Id} (uid {Nobody}) answers on the status socket {socket}, and is neither root nor you (uid 0): it is not a vellum mount to trust, and its answer was not read", refused.Message);
        }
        finally
        {
            impostor.Kill();
            impostor.WaitForExit();
        }
    }

    [Fact]
    public void A_reply_for_another_mountpoint_is_refused_as_not_the_mount_asked_about()
    {
        using var workspace = new Workspace();
        var directory = Path.Combine(workspace.Root, "run", "status");
        using var host = MountHost.Start(workspace.JournaledMount() with { StatusDirectory = directory });
        var elsewhere = Path.Combine(workspace.Root, "elsewhere");
        var socket = StatusSocketDirectory.SocketPath(directory, workspace.MountPoint);
        // A second name of the same socket: the mount answers there, for its own mountpoint.
        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, socket, LibCConstants.AtFdCwd, StatusSocketDirectory.SocketPath(directory, elsewhere), 0));

        var refused = Assert.Throws<InvalidDataException>(() => MountStatusClient.Ask(elsewhere, directory));

        Assert.Equal($"the status socket {StatusSocketDirectory.SocketPath(directory, elsewhere)} of {elsewhere} answered for the mount at {workspace.MountPoint}", refused.Message);
        Assert.Equal(workspace.MountPoint, MountStatusClient.Ask(workspace.MountPoint, directory)?.Status.MountPoint);
    }

    [Fact]
    public void A_socket_file_a_killed_mount_left_is_replaced_by_the_next_mount_and_one_a_live_server_answers_on_refuses_it()
    {
        using var workspace = new Workspace();
        var directory = Path.Combine(Directory.CreateDirectory(Path.Combine(workspace.Root, "run"), Mode0755).FullName, "status");
        Directory.CreateDirectory(directory, Mode0755);
        var socket = StatusSocketDirectory.SocketPath(directory, workspace.MountPoint);
        // A process that bound the name and died without removing it, as kill -9 leaves a mount's.
        Assert.Equal(0, SocketScript.Run(SocketScript.Bind, asNobody: false, socket).ExitCode);

        using (var host = MountHost.Start(workspace.JournaledMount() with { StatusDirectory = directory }))
        {
            Assert.Equal(host.Journal!.Header.JournalId.ToString(), MountStatusClient.Ask(workspace.MountPoint, directory)?.Status.JournalId);
            AssertNode(socket, LibCConstants.SIfSock, 0, 0x1B6);
            host.Stop();
        }
        Assert.False(File.Exists(socket), "the status socket is still there after the stop");

        using var live = SocketScript.StartServer(asNobody: false, socket, "{}");
        try
        {
            var refused = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount() with { StatusDirectory = directory }));

            Assert.Equal($"a server answers on {socket}, the status socket of {workspace.MountPoint}, already: 'vellum status {workspace.MountPoint}' asks it", refused.Message);
            Assert.False(Workspace.IsMounted(workspace.MountPoint));
            Assert.True(File.Exists(socket), "the mount removed the socket of a live server");
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }
    }

    [Theory]
    [InlineData("owned by nobody", "the status directory {0}/run is owned by uid 65534, not root: someone else made it, and could replace a mount's status socket there; remove it ('rm -r {0}/run') and mount again")]
    [InlineData("a symbolic link", "the status directory {0}/run/status is a symbolic link: someone else made it, and could replace a mount's status socket there; remove it ('rm -r {0}/run/status') and mount again")]
    [InlineData("writable by others", "the status directory {0}/run/status may be written by group or others (mode 0777): anyone could replace a mount's status socket there; 'chmod go-w {0}/run/status' if you made it so, else remove it ('rm -r {0}/run/status') and mount again")]
    public void A_status_directory_someone_else_made_refuses_the_mount_in_words(string planted, string message)
    {
        using var workspace = new Workspace();
        var run = Directory.CreateDirectory(Path.Combine(workspace.Root, "run"), Mode0755).FullName;
        var status = Path.Combine(run, "status");
        switch (planted)
        {
            case "owned by nobody":
                Assert.Equal(0, LibC.FChownAt(LibCConstants.AtFdCwd, run, Nobody, Nobody, 0));
                break;
            case "a symbolic link":
                File.CreateSymbolicLink(status, Directory.CreateDirectory(Path.Combine(workspace.Root, "elsewhere")).FullName);
                break;
            default:
                Directory.CreateDirectory(status, Mode0755);
                File.SetUnixFileMode(status, (UnixFileMode)0x1FF);
                break;
        }

        var refused = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount() with { StatusDirectory = status }));

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, workspace.Root), refused.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));
        Assert.False(Directory.Exists(workspace.Journal), "the journal was made for a mount that was refused");
    }

    [Fact]
    public void An_older_vellums_owner_only_runtime_directory_is_opened_for_everyone_to_ask_its_mounts_status()
    {
        using var workspace = new Workspace();
        var run = Directory.CreateDirectory(Path.Combine(workspace.Root, "run")).FullName;
        File.SetUnixFileMode(run, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        StatusSocketDirectory.Prepare(Path.Combine(run, "status"));

        AssertNode(run, LibCConstants.SIfDir, 0, 0x1ED);
        AssertNode(Path.Combine(run, "status"), LibCConstants.SIfDir, 0, 0x1ED);
    }

    [Fact]
    public void Only_root_may_ask_a_mount_anything_but_its_status()
    {
        var nobody = new PeerCredentials(4321, Nobody, Nobody);
        var root = new PeerCredentials(1234, 0, 0);

        Assert.Null(StatusAccess.Refusal(nobody, StatusAccess.ReadStatus));
        Assert.Null(StatusAccess.Refusal(root, StatusAccess.ReadStatus));
        Assert.Null(StatusAccess.Refusal(root, "stop"));
        Assert.Equal("'stop' from pid 4321 (uid 65534) refused: only root may ask a mount anything but its status", StatusAccess.Refusal(nobody, "stop"));
    }

    private static unsafe void AssertNode(string path, uint type, uint owner, uint mode)
    {
        StatxBuffer stat;
        Assert.True(LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) == 0, $"{path}: {LibC.LastError().Text}");
        Assert.True((stat.Mode & LibCConstants.SIfMt) == type, $"{path} is of type {stat.Mode & LibCConstants.SIfMt:x}, not {type:x}");
        Assert.True(stat.Uid == owner, $"{path} is owned by uid {stat.Uid}, not {owner}");
        Assert.True((stat.Mode & 0xFFFu) == mode, $"{path} has mode {Convert.ToString(stat.Mode & 0xFFF, 8)}, not {Convert.ToString(mode, 8)}");
    }
}
