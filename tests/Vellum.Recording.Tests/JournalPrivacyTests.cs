using System.Diagnostics;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A journal holds every byte of its tree, deleted ones included: Vellum makes it owner-only
/// whatever the umask, never writes it through a symlink or into another user's directory,
/// and refuses a shared one with the command that makes it private.
/// </summary>
public sealed class JournalPrivacyTests
{
    private const uint PrivateDirectory = 0x1C0;
    private const uint PrivateFile = 0x180;

    [Theory]
    [InlineData(0x000u)]
    [InlineData(0x0BFu)] // 0277
    public void A_journal_made_under_any_umask_holds_only_owner_only_directories_and_files(uint umask)
    {
        var root = Directory.CreateTempSubdirectory("vellum-private-").FullName;
        try
        {
            var backing = Directory.CreateDirectory(Path.Combine(root, "backing")).FullName;
            File.WriteAllText(Path.Combine(backing, "before"), "recorded by the baseline");
            var mountPoint = Directory.CreateDirectory(Path.Combine(root, "mnt")).FullName;
            // Missing parents too: Vellum makes them, so they are Vellum's to keep private.
            var state = Path.Combine(root, "state");
            var journal = Path.Combine(state, "vellum", "j");
            using (var daemon = MountDaemon.MountUnderUmask(umask, backing, mountPoint, "--journal", journal))
            {
                for (var i = 0; i < 3; i++)
                    Assert.True(Sys.WriteAt(Path.Combine(mountPoint, "f"), i, [1], fsync: true));
                AssertOwnerOnly(state, "mount.lock", "write-ahead.ring", "0000000000000000.vseg", "binding", "deferred-syncs");
                daemon.Unmount();
            }
            AssertOwnerOnly(state, "write-ahead.ring", "0000000000000000.vseg", "binding", "baseline.manifest");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Nobody_cannot_list_the_journal_nor_open_its_ring_or_a_segment()
    {
        using var mount = JournaledMount.Start();
        // The root is made passable, so only the journal's own modes stand in nobody's way.
        File.SetUnixFileMode(mount.Root, (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(mount.MountPoint, "secret"), "private words");
        var segment = Directory.GetFiles(mount.Journal, "*.vseg")[0];
        foreach (var command in new[] { new[] { "ls", mount.Journal }, ["cat", Path.Combine(mount.Journal, "write-ahead.ring")], ["cat", segment], ["grep", "-r", "private words", mount.Journal] })
        {
            var (exitCode, error) = AsNobody(command);
            Assert.True(exitCode != 0, $"nobody ran {string.Join(' ', command)}");
            Assert.Contains("Permission denied", error, StringComparison.Ordinal);
        }
        mount.Unmount();
    }

    [Fact]
    public void A_journal_directory_another_user_owns_is_refused_naming_its_owner()
    {
        using var mount = JournaledMount.Prepare();
        Directory.CreateDirectory(mount.Journal);
        LibC.FChownAt(LibCConstants.AtFdCwd, mount.Journal, 65534, 65534, 0);
        Assert.Equal(3, mount.MountExpectingRefusal());
        Assert.Contains($"the journal {mount.Journal} belongs to nobody (uid 65534)", mount.Log, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Journal));
    }

    [Fact]
    public void A_symlink_planted_at_the_journal_path_is_refused_and_its_target_stays_untouched()
    {
        using var mount = JournaledMount.Prepare();
        var elsewhere = Directory.CreateDirectory(Path.Combine(mount.Root, "elsewhere")).FullName;
        File.CreateSymbolicLink(mount.Journal, elsewhere);
        Assert.Equal(3, mount.MountExpectingRefusal());
        Assert.Contains($"the journal {mount.Journal} is a symbolic link (to {elsewhere})", mount.Log, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void A_world_readable_journal_and_a_0644_segment_are_refused_with_their_chmod_and_used_with_allow_shared_journal()
    {
        using var mount = JournaledMount.Start();
        mount.Unmount();
        File.SetUnixFileMode(mount.Journal, (UnixFileMode)0x1ED);
        Assert.Equal(3, mount.MountExpectingRefusal());
        Assert.Contains($"the journal {mount.Journal} is not private: other users may access it (mode 755); run: chmod 700 {mount.Journal} (or give --allow-shared-journal to use it shared)", mount.Log, StringComparison.Ordinal);

        File.SetUnixFileMode(mount.Journal, (UnixFileMode)PrivateDirectory);
        var segment = Directory.GetFiles(mount.Journal, "*.vseg")[0];
        File.SetUnixFileMode(segment, (UnixFileMode)0x1A4);
        Assert.Equal(3, mount.MountExpectingRefusal());
        Assert.Contains($"({segment} mode 644); run: chmod -R go= {mount.Journal}", mount.Log, StringComparison.Ordinal);

        mount.Mount("--allow-shared-journal");
        Assert.Contains(mount.StartLog, line => line.StartsWith($"vellum: warning: the journal {mount.Journal} is shared (--allow-shared-journal): other users may access it ({segment} mode 644)", StringComparison.Ordinal));
        mount.Unmount();
    }

    [Fact]
    public void An_ACL_that_grants_another_user_is_refused_with_the_setfacl_hint()
    {
        using var mount = JournaledMount.Start();
        mount.Unmount();
        var binding = Path.Combine(mount.Journal, "binding");
        Run("setfacl", "-m", "u:nobody:r", binding);
        Assert.Equal(3, mount.MountExpectingRefusal());
        Assert.Contains($"an ACL on {binding} (user nobody: r--)", mount.Log, StringComparison.Ordinal);
        Assert.Contains($"run: setfacl -R -b {mount.Journal}", mount.Log, StringComparison.Ordinal);

        // The hint's command is all it takes.
        Run("sh", "-c", mount.Log.Split("run: ")[^1].Split(" (or give")[0]);
        mount.Mount();
        mount.Unmount();
    }

    /// <summary>Every directory under <paramref name="top"/> (itself included) is 0700 and every file 0600, and the named files are among them.</summary>
    private static void AssertOwnerOnly(string top, params string[] expected)
    {
        var names = new List<string>();
        Assert.Equal(PrivateDirectory, (uint)File.GetUnixFileMode(top));
        foreach (var entry in new DirectoryInfo(top).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            var want = entry is DirectoryInfo ? PrivateDirectory : PrivateFile;
            Assert.True(want == (uint)entry.UnixFileMode, $"{entry.FullName} has mode {Convert.ToString((int)entry.UnixFileMode, 8)}, not {Convert.ToString(want, 8)}");
            Assert.Null(entry.LinkTarget);
            names.Add(entry.Name);
        }
        foreach (var name in expected)
            Assert.Contains(name, names);
    }

    private static (int ExitCode, string Error) AsNobody(string[] command)
    {
        var (exitCode, _, error) = Unprivileged.Run(command);
        return (exitCode, error);
    }

    private static void Run(string program, params string[] args)
    {
        using var child = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = child.StandardError.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
