using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Vellum.Journal.Format;
using Vellum.Store;

namespace Vellum.Cli.Tests;

/// <summary>
/// What a user gets wrong around a command (paths, permissions, ports, files) is one line
/// naming the object, the problem and the way out, never .NET's wording ("Read-only file
/// system : 'PATH'", "The file 'PATH' already exists."), with exit code 3; damaged data
/// exits 2. Nothing here gets as far as mounting.
/// </summary>
public sealed class ErrorMessageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-errors-").FullName;
    private readonly List<string> _mounts = [];

    private string Backing => Directory.CreateDirectory(Path.Combine(_root, "backing")).FullName;

    private string MountPoint => Directory.CreateDirectory(Path.Combine(_root, "mnt")).FullName;

    private string AFile
    {
        get
        {
            var path = Path.Combine(_root, "afile");
            File.WriteAllText(path, "x");
            return path;
        }
    }

    public void Dispose()
    {
        foreach (var mount in _mounts)
            Run("umount", mount);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_journal_on_a_read_only_filesystem_is_refused_in_words()
    {
        var readOnly = Directory.CreateDirectory(Path.Combine(_root, "ro")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "vellum-test-ro", readOnly);
        _mounts.Add(readOnly);
        var journal = Path.Combine(readOnly, "j");

        var line = AssertFails(3, "mount", Backing, MountPoint, "--journal", journal);

        Assert.Equal($"vellum: the journal {journal} cannot be written: the filesystem is read-only; choose a writable directory with --journal DIR", line);
    }

    [Fact]
    public void A_journal_where_the_user_may_not_write_is_refused_in_words()
    {
        // Readable by all, writable by root only: the unprivileged user reaches it but cannot create in it.
        File.SetUnixFileMode(_root, (UnixFileMode)0x1ED);
        var journal = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "root-only")).FullName, "j");
        var (backing, mountPoint) = (Backing, MountPoint);
        var start = new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Vellum.DotnetHost, "exec", Vellum.Program, "mount", backing, mountPoint, "--journal", journal])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = "/tmp";

        var result = Vellum.Run(start);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"vellum: the journal {journal} cannot be written: permission denied; choose a writable directory with --journal DIR", Assert.Single(result.Error));
    }

    [Fact]
    public void A_journal_that_names_a_file_is_refused_in_words()
    {
        var file = AFile;

        var line = AssertFails(3, "mount", Backing, MountPoint, "--journal", file);

        Assert.Equal($"vellum: the journal {file} is a file, not a directory; choose a writable directory with --journal DIR", line);
    }

    [Fact]
    public void A_backing_directory_that_is_a_file_is_called_a_file()
    {
        var file = AFile;

        var line = AssertFails(3, "mount", file, MountPoint, "--no-journal");

        Assert.StartsWith($"vellum: the backing directory {file} is a file, not a directory; ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mountpoint_that_is_a_file_is_refused()
    {
        var line = AssertFails(3, "mount", Backing, AFile, "--no-journal");

        Assert.Contains("not a directory", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Umount_and_status_of_a_place_where_nothing_is_mounted_say_how_to_find_the_mounts()
    {
        var umount = AssertFails(3, "umount", MountPoint);
        var status = AssertFails(3, "status", MountPoint);

        Assert.StartsWith($"vellum: nothing is mounted at {MountPoint}; 'findmnt -t fuse.vellum'", umount, StringComparison.Ordinal);
        Assert.StartsWith($"vellum: no journaled vellum mount answers at {MountPoint}", status, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_on_an_address_in_use_says_so_and_to_choose_another_port()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var secrets = Secrets("* a-secret-of-at-least-16-bytes\n");

        var line = AssertFails(3, "serve", "--store", Path.Combine(_root, "store"), "--listen", $"127.0.0.1:{port}", "--secrets", secrets, "--insecure");

        Assert.Equal($"vellum serve: --listen 127.0.0.1:{port}: the address is already in use (another 'vellum serve', or another program, listens there); choose another port", line);
    }

    [Theory]
    [InlineData("not a secrets line at all\n", "expected 'JOURNAL-UUID SECRET' or '* SECRET'")]
    [InlineData("* short\n", "at least 16 are needed")]
    public void Serve_with_a_wrong_secrets_file_names_the_file_and_the_form_it_needs(string content, string problem)
    {
        var secrets = Secrets(content);

        var line = AssertFails(3, "serve", "--store", Path.Combine(_root, "store"), "--listen", "127.0.0.1:0", "--secrets", secrets, "--insecure");

        Assert.StartsWith($"vellum serve: --secrets {secrets}:", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.EndsWith("lines 'JOURNAL-UUID SECRET' or '* SECRET', mode 0600", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_with_a_secrets_file_others_may_read_says_how_to_fix_its_mode()
    {
        var secrets = Secrets("* a-secret-of-at-least-16-bytes\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var line = AssertFails(3, "serve", "--store", Path.Combine(_root, "store"), "--listen", "127.0.0.1:0", "--secrets", secrets, "--insecure");

        Assert.Contains($"run: chmod 600 {secrets}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_into_a_directory_of_other_files_is_a_data_problem_naming_the_replica()
    {
        var store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        Journal.WriteStore(store, 3);
        var replica = Directory.CreateDirectory(Path.Combine(_root, "replica")).FullName;
        File.WriteAllText(Path.Combine(replica, "unrelated"), "x");

        var line = AssertFails(2, "mirror", "--store", store, "--to", replica);

        Assert.StartsWith($"vellum mirror: the replica {replica} is not empty", line, StringComparison.Ordinal);
    }

    /// <summary>The case: a journal that changes a file the replica never had stops the mirror at once; the line says how to get out.</summary>
    [Fact]
    public void Mirror_stopped_by_a_transaction_the_replica_does_not_match_says_to_mirror_again_into_an_empty_directory()
    {
        var store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        Journal.WriteStore(store, 3);
        var replica = Path.Combine(_root, "replica");

        var result = Vellum.Run("mirror", "--store", store, "--to", replica);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal([$"applied 0 transactions; {replica} is at the start of the journal"], result.Output);
        var line = Assert.Single(result.Error);
        Assert.StartsWith("vellum mirror: transaction 1: write 'file-1': ", line, StringComparison.Ordinal);
        Assert.Contains("; the replica no longer matches the journal: mirror again into an empty directory (", line, StringComparison.Ordinal);
        Assert.EndsWith($" mirror --store {store} --to NEW_REPLICA)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_refusing_a_path_says_nothing_of_it_was_applied_and_how_a_changed_replica_gets_out()
    {
        var store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        using (var journal = SegmentStore.Open(store, Journal.Options()))
            journal.Commit(Journal.Single(1, Journal.Operation(SubRecordType.Mkdir, "../escape", new JournalTimestamp(Journal.BaseSeconds, 0))));
        var replica = Path.Combine(_root, "replica");

        var result = Vellum.Run("mirror", "--store", store, "--to", replica);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Error);
        Assert.StartsWith("vellum mirror: transaction 1: path '../escape' has a '..' component and may leave the replica; nothing of it was applied: ", line, StringComparison.Ordinal);
        Assert.EndsWith($" mirror --store {store} --to NEW_REPLICA)", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "escape")));
    }

    [Fact]
    public void Log_of_a_directory_that_holds_no_store_says_so_and_what_to_give()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        var line = AssertFails(3, "log", empty);

        Assert.Equal($"vellum log: no store at {empty}: it holds no segment files (*.vseg); give a store directory (a mount's --journal) or a journal file", line);
    }

    /// <summary>Runs vellum, expecting one line on stderr, nothing on stdout and <paramref name="exitCode"/>; returns the line.</summary>
    private static string AssertFails(int exitCode, params string[] args)
    {
        var result = Vellum.Run(args);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error);
        Assert.DoesNotContain(" : '", line, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists.", line, StringComparison.Ordinal);
        return line;
    }

    private string Secrets(string content)
    {
        var path = Path.Combine(_root, "secrets");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static void Run(string program, params string[] args)
    {
        using var child = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = child.StandardError.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
