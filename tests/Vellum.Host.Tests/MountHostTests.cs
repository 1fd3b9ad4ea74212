using System.Diagnostics;
using Vellum.Recording;
using Vellum.Store;

namespace Vellum.Host.Tests;

/// <summary>
/// A journaled mount composed by <see cref="MountHost"/> in this process, as the CLI composes
/// it: real programs write through it, the ordered stop drains the journal, and the journal
/// replayed from nothing equals the backing directory. Stopping with a file still open, and a
/// journal that cannot be made, leave no mount behind.
/// </summary>
public sealed class MountHostTests
{
    /// <summary>Files, a directory tree, a rename, a copy, a link, a removal, and fsyncs (dd conv=fsync, sync FILE).</summary>
    private const string Programs = """
        echo hello > a.txt
        mkdir -p d/e
        head -c 300000 /dev/urandom > d/e/big
        cp a.txt d/copy.txt
        mv a.txt d/e/moved.txt
        dd if=/dev/urandom of=d/data bs=64k count=4 conv=fsync status=none
        echo more >> d/data
        sync d/data
        ln -s e/moved.txt d/link
        rm d/copy.txt
        touch -d '2001-02-03 04:05:06' d/e/big
        """;

    [Fact]
    public void A_mount_started_in_process_journals_real_programs_writes_and_after_the_ordered_stop_its_journal_replays_equal_to_the_backing_directory()
    {
        using var workspace = new Workspace();
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            Assert.True(Workspace.IsMounted(workspace.MountPoint));
            workspace.RunInMount(Programs);

            var status = MountStatusClient.Ask(workspace.MountPoint);
            Assert.NotNull(status);
            Assert.Equal(host.Journal!.Header.JournalId.ToString(), status.Status.JournalId);
            Assert.Equal("local", status.Status.Sync);
            Assert.True(status.Status.Operations >= 10, $"{status.Status.Operations} operations recorded\n{status.Json}");

            host.Stop();
            Assert.False(host.StoppedWithoutWaiting, workspace.Log.Text);
            Assert.False(Workspace.IsMounted(workspace.MountPoint), "the mount is still there after the stop");
            Assert.Null(MountStatusClient.Ask(workspace.MountPoint));
        }
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(workspace.Backing, "d", "e", "moved.txt")));
        Assert.Equal(4 * 65536 + 5, new FileInfo(Path.Combine(workspace.Backing, "d", "data")).Length);
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void Changes_to_the_mounts_root_itself_are_journaled_and_a_replay_applies_them_to_the_replica_root()
    {
        using var workspace = new Workspace();
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            workspace.RunInMount("""
                echo a > a
                chmod 0750 .
                setfattr -n user.colour -v blue .
                setfattr -n user.gone -v soon .
                setfattr -x user.gone .
                touch -d '2001-02-03 04:05:06.123456789' .
                """);
            host.Stop();
        }

        // The replay starts from a root of mode 0755 (JournalReplay.RootMode) and no xattrs.
        workspace.AssertJournalReplaysToBacking();
        var replay = Path.Combine(workspace.Root, "replay");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(replay));
        Assert.Equal(2001, Directory.GetLastWriteTimeUtc(replay).Year);
    }

    [Fact]
    public void Stopping_while_a_file_is_open_says_which_file_it_waits_for_and_stopping_without_waiting_keeps_every_change()
    {
        using var workspace = new Workspace();
        using var host = MountHost.Start(workspace.JournaledMount());
        workspace.RunInMount("echo before > written; echo held > held");
        var held = Path.Combine(workspace.MountPoint, "held");
        // Another program holds the file open (the host does not count its own process's
        // descriptors), writes through it, and after the stop tries once more.
        using var holder = Process.Start(new ProcessStartInfo("bash", ["-c", "exec 3<>\"$1\"; printf changed >&3; echo open; read -r _; printf late >&3 || true", "holder", held])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            Assert.Equal("open", holder.StandardOutput.ReadLine());

            host.RequestUnmount("the test stops without waiting next");
            Assert.False(Workspace.IsMounted(workspace.MountPoint), "the unmount did not detach the mount");
            var waiting = workspace.Log.WaitFor($"waiting for 1 open file: {held} (pid {holder.Id}, bash)", Workspace.Patience);
            Assert.EndsWith("; the test stops without waiting next", waiting);
            Assert.False(host.Completion.IsCompleted, "the mount stopped serving with a file still open on it");

            var stopping = Stopwatch.StartNew();
            host.StopWithoutWaiting();
            host.Run();
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(20), $"stopping without waiting took {stopping.Elapsed}");
            Assert.True(host.StoppedWithoutWaiting);
            Assert.False(host.JournalUnfinished, workspace.Log.Text);

            holder.StandardInput.WriteLine();
            Assert.True(holder.WaitForExit(Workspace.Patience), "the holder did not finish");
            Assert.Contains("Transport endpoint is not connected", holder.StandardError.ReadToEnd());
        }
        finally
        {
            if (!holder.HasExited)
                holder.Kill();
            holder.WaitForExit();
        }
        Assert.Equal("changed", File.ReadAllText(Path.Combine(workspace.Backing, "held")));
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void A_journal_under_a_file_is_refused_in_words_and_leaves_no_mount_behind()
    {
        using var workspace = new Workspace();
        var file = Path.Combine(workspace.Root, "afile");
        File.WriteAllText(file, "not a directory");

        var refused = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount() with
        {
            Journal = new MountJournalOptions { Directory = Path.Combine(file, "journal"), BackingDirectory = workspace.Backing },
        }));
        Assert.Equal($"cannot create the journal directory {file}/journal: {file} is a file", refused.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));

        var itself = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount() with
        {
            Journal = new MountJournalOptions { Directory = file, BackingDirectory = workspace.Backing },
        }));
        Assert.Equal($"the journal {file} is a file; a journal is a directory", itself.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));
        Assert.Null(MountStatusClient.Ask(workspace.MountPoint));
    }

    [Fact]
    public void A_journal_on_a_read_only_filesystem_is_refused_in_words_and_leaves_no_mount_behind()
    {
        using var workspace = new Workspace();
        var readOnly = Directory.CreateDirectory(Path.Combine(workspace.Root, "readonly")).FullName;
        using (var mount = Process.Start("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "vellum-test", readOnly])!)
        {
            mount.WaitForExit();
            Assert.Equal(0, mount.ExitCode);
        }
        var journal = Path.Combine(readOnly, "journal");

        var refused = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount() with
        {
            Journal = new MountJournalOptions { Directory = journal, BackingDirectory = workspace.Backing },
        }));
        Assert.Equal($"cannot create the journal directory {journal}: Read-only file system", refused.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));
    }

    [Fact]
    public void A_mount_refused_at_a_busy_mountpoint_leaves_no_mount_and_the_next_start_on_the_same_journal_works()
    {
        using var workspace = new Workspace();
        var occupant = Path.Combine(workspace.MountPoint, "occupant");
        File.WriteAllText(occupant, "the mountpoint is not empty");

        Assert.Throws<Fuse.FuseException>(() => MountHost.Start(workspace.JournaledMount()));
        Assert.False(Workspace.IsMounted(workspace.MountPoint));

        File.Delete(occupant);
        using var host = MountHost.Start(workspace.JournaledMount());
        workspace.RunInMount("echo again > f");
        host.Stop();
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void With_sync_remote_an_fsync_whose_target_never_acknowledges_fails_with_EIO_and_the_log_names_the_target_and_position()
    {
        using var workspace = new Workspace();
        var secret = Path.Combine(workspace.Root, "secret");
        File.WriteAllText(secret, "a secret of at least sixteen bytes\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Nothing listens there: the sender keeps trying while the fsync waits for it.
        var target = Replication.ReplicationTarget.Parse($"tcp://127.0.0.1:{UnusedPort()}", null, insecure: true, forceInsecure: false);
        var options = workspace.JournaledMount(SyncMode.Remote) with
        {
            Replication = new MountReplicationOptions([target], secret) { RemoteTimeout = TimeSpan.FromSeconds(1) },
        };
        using var host = MountHost.Start(options);

        using (var fsync = Process.Start(new ProcessStartInfo("python3", ["-c", "import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)\nos.write(fd, b'data')\nos.fsync(fd)", Path.Combine(workspace.MountPoint, "f")])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!)
        {
            var error = fsync.StandardError.ReadToEnd();
            fsync.WaitForExit();
            Assert.True(fsync.ExitCode != 0, $"the fsync succeeded with the target down\n{workspace.Log.Text}");
            Assert.Contains("[Errno 5] Input/output error", error);
        }
        var line = workspace.Log.WaitFor($"replication target {target} did not acknowledge store position ", Workspace.Patience);
        Assert.Contains(" within 1 s (", line);
        Assert.EndsWith("); the records stay in the local journal and keep being sent", line);
        host.Stop();
        workspace.AssertJournalReplaysToBacking();
    }

    private static int UnusedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
