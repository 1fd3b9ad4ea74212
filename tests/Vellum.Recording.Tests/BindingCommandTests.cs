using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Recording.Binding;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// One backing directory, one journal, through `vellum mount` as a user runs it: a second mount
/// of a running directory is refused in words (exit 3) however BACKING is written, until the
/// first is killed; default journals of directories whose names once collided are two; a
/// journal named the old way keeps its directory.
/// </summary>
public sealed class BindingCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-binding-").FullName;

    private Dictionary<string, string> Environment => new() { ["XDG_STATE_HOME"] = Path.Combine(_root, "state") };

    private string Journals => Path.Combine(_root, "state", "vellum", "journals");

    [Fact]
    public void A_second_mount_by_a_symlink_or_a_relative_path_is_refused_naming_the_running_mount_and_a_killed_mount_frees_the_directory()
    {
        var backing = Made("backing");
        var mountPoint = Made("mnt");
        var secondMountPoint = Made("mnt2");
        var link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, backing);
        var journal = Path.Combine(_root, "journal");
        using var first = MountDaemon.Mount(backing, mountPoint, Environment, null, "--journal", journal);

        foreach (var args in new[]
        {
            new[] { "mount", "link", "mnt2", "--journal", "journal2" },
            ["mount", "./backing/", "mnt2"],
            ["mount", "backing", "mnt2", "--journal", "journal"],
        })
        {
            var (exitCode, _, error) = JournaledMount.RunVellum(Environment, _root, args);
            Assert.True(exitCode == 3, $"vellum {string.Join(' ', args)}: exit {exitCode}\n{error}");
            Assert.Equal(
                $"vellum: the backing directory {backing} is mounted already at {mountPoint} (pid {first.Pid}) with the journal {journal}: one directory takes one mount at a time; 'vellum umount {mountPoint}' stops that mount\n",
                error);
            Assert.Null(Fuse.MountInfo.FileSystemTypeAt(secondMountPoint));
        }
        Assert.False(Directory.Exists(Path.Combine(_root, "journal2")), "a refused mount left the journal directory it made");

        first.Kill();
        using var second = MountDaemon.Mount(link, secondMountPoint, Environment, null, "--journal", journal);
        File.WriteAllText(Path.Combine(secondMountPoint, "after"), "the killed mount's locks went with it");
        Assert.Equal(journal, second.Journal());
        second.Unmount();
    }

    [Fact]
    public void Directories_whose_default_journal_names_once_collided_get_two_journals_and_a_journal_named_the_old_way_keeps_its_directory()
    {
        var underscored = Made("x/a_b");
        var nested = Made("x/a/b");
        using (var one = MountDaemon.Mount(underscored, Made("mnt1"), Environment))
        using (var other = MountDaemon.Mount(nested, Made("mnt2"), Environment))
        {
            Assert.Equal(Path.Combine(Journals, $"{Escaped(_root)}_x_a%5Fb"), one.Journal());
            Assert.Equal(Path.Combine(Journals, $"{Escaped(_root)}_x_a_b"), other.Journal());
            one.Unmount();
            other.Unmount();
        }

        // p_q's journal as the last version named it, which is also the new name of p/q's.
        var old = Made("p_q");
        File.WriteAllText(Path.Combine(old, "kept"), "journaled before the upgrade");
        var oldName = Path.Combine(Journals, old.TrimStart('/').Replace('/', '_'));
        using (var before = MountDaemon.Mount(old, Made("mnt3"), Environment, null, "--journal", oldName))
            before.Unmount();
        Assert.Equal(0, LibC.RemoveXattr(old, MarkXattrs.Trusted));
        File.Delete(Path.Combine(oldName, JournalBinding.FileName));
        var plain = Made("p/q");
        using (var upgraded = MountDaemon.Mount(old, Path.Combine(_root, "mnt3"), Environment))
        using (var taken = MountDaemon.Mount(plain, Made("mnt4"), Environment))
        {
            Assert.Equal(oldName, upgraded.Journal());
            Assert.Contains($"to its journal {oldName}, made before journals were bound to their directories", upgraded.Log, StringComparison.Ordinal);
            // The name p/q's journal would take is taken by p_q's, when the temporary root has no '_'.
            var escaped = Path.Combine(Journals, $"{Escaped(_root)}_p_q");
            Assert.Equal(escaped == oldName ? $"{oldName}%+2" : escaped, taken.Journal());
            Assert.Equal("journaled before the upgrade", File.ReadAllText(Path.Combine(_root, "mnt3", "kept")));
            upgraded.Unmount();
            taken.Unmount();
        }
    }

    [Fact]
    public void Another_journal_for_a_bound_directory_is_a_usage_error_that_names_the_journal_it_is_bound_to()
    {
        var backing = Made("backing");
        var mountPoint = Made("mnt");
        var journal = Path.Combine(_root, "journal");
        using (var first = MountDaemon.Mount(backing, mountPoint, Environment, null, "--journal", journal))
            first.Unmount();

        var (exitCode, _, error) = JournaledMount.RunVellum(Environment, _root, "mount", "backing", "mnt", "--journal", "elsewhere");
        Assert.True(exitCode == 1, $"exit {exitCode}\n{error}");
        Assert.StartsWith($"vellum: the backing directory {backing} is bound to the journal {journal} (", error, StringComparison.Ordinal);
        Assert.Contains("add --rebind-journal to bind it to", error, StringComparison.Ordinal);

        using var rebound = MountDaemon.Mount(backing, mountPoint, Environment, null, "--journal", Path.Combine(_root, "elsewhere"), "--rebind-journal");
        Assert.Contains($"on purpose (--rebind-journal); the journal {journal} (", rebound.Log, StringComparison.Ordinal);
        var (statusCode, status, _) = JournaledMount.RunVellum("status", mountPoint);
        Assert.Equal(0, statusCode);
        Assert.Contains($"bound to     {backing} ({BackingIdentity.Of(backing)}), marked with {MarkXattrs.Trusted}", status, StringComparison.Ordinal);
        rebound.Unmount();
    }

    public void Dispose() => TreeRemoval.Delete(_root);

    /// <summary>A path as a journal's name escapes it: '_' as %5F, then '/' as '_'.</summary>
    private static string Escaped(string path) => path.TrimStart('/').Replace("%", "%25", StringComparison.Ordinal).Replace("_", "%5F", StringComparison.Ordinal).Replace('/', '_');

    private string Made(string relative) => Directory.CreateDirectory(Path.Combine(_root, relative)).FullName;
}
