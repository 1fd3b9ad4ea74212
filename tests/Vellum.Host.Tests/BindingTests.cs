using System.Diagnostics;
using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Recording;
using Vellum.Recording.Binding;

namespace Vellum.Host.Tests;

/// <summary>
/// One backing directory, one journal: a second mount of a running directory is refused by
/// every path that reaches it, a directory bound to one journal refuses another until bound on
/// purpose, the mark that binds it cannot be seen or changed through the mount, and a journal
/// made before bindings is bound on its first mount and keeps working.
/// </summary>
public sealed class BindingTests
{
    [Fact]
    public void A_second_mount_of_a_running_backing_directory_is_refused_by_every_path_naming_the_mount_and_its_journal()
    {
        using var workspace = new Workspace();
        var link = Path.Combine(workspace.Root, "link");
        File.CreateSymbolicLink(link, workspace.Backing);
        var secondMountPoint = Directory.CreateDirectory(Path.Combine(workspace.Root, "mnt2")).FullName;
        using var first = MountHost.Start(workspace.JournaledMount());
        var where = $"is mounted already at {workspace.MountPoint} (pid {Environment.ProcessId}) with the journal {workspace.Journal}";
        var sameJournal = workspace.JournaledMount() with { MountPoint = secondMountPoint };
        var otherJournal = Path.Combine(workspace.Root, "journal2");
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workspace.Root;
        try
        {
            foreach (var (backing, journal) in new[]
            {
                (workspace.Backing, workspace.Journal),
                (workspace.Backing, otherJournal),
                (link, otherJournal),
                ("backing/../backing", workspace.Journal),
                ("./link", otherJournal),
            })
            {
                var refused = Refused<MountInUseException>(sameJournal with
                {
                    Backing = backing,
                    Journal = new MountJournalOptions { Directory = journal, BackingDirectory = backing },
                });
                Assert.Equal($"the backing directory {workspace.Backing} {where}: one directory takes one mount at a time; 'vellum umount {workspace.MountPoint}' stops that mount", refused.Message);
                Assert.False(Workspace.IsMounted(secondMountPoint), $"a mount of {backing} was left at {secondMountPoint}");
                Assert.False(Directory.Exists(otherJournal), $"the refused mount of {backing} left the journal directory it made");
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        // A bind mount of the directory is the same directory: its path names it in the message.
        var bound = Directory.CreateDirectory(Path.Combine(workspace.Root, "bound")).FullName;
        Run("mount", "--bind", workspace.Backing, bound);
        try
        {
            var refused = Refused<MountInUseException>(sameJournal with
            {
                Backing = bound,
                Journal = new MountJournalOptions { Directory = otherJournal, BackingDirectory = bound },
            });
            Assert.Equal($"the backing directory {bound} {where}: one directory takes one mount at a time; 'vellum umount {workspace.MountPoint}' stops that mount", refused.Message);
        }
        finally
        {
            Run("umount", bound);
        }

        var unjournaled = Refused<MountInUseException>(sameJournal with { Journal = null });
        Assert.StartsWith($"the backing directory {workspace.Backing} {where}: ", unjournaled.Message);

        var other = Directory.CreateDirectory(Path.Combine(workspace.Root, "other")).FullName;
        var journalInUse = Refused<MountInUseException>(sameJournal with
        {
            Backing = other,
            Journal = new MountJournalOptions { Directory = workspace.Journal, BackingDirectory = other },
        });
        Assert.Equal($"the journal {workspace.Journal} is in use by the mount of {workspace.Backing} at {workspace.MountPoint} (pid {Environment.ProcessId}): one journal takes one mount at a time; 'vellum umount {workspace.MountPoint}' stops that mount, or give this one its own journal with --journal DIR", journalInUse.Message);

        workspace.RunInMount("echo still > served");
        first.Stop();
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void A_journaled_mount_of_a_directory_served_without_a_journal_is_refused_until_that_mount_stops()
    {
        using var workspace = new Workspace();
        using (var plain = MountHost.Start(workspace.JournaledMount() with { Journal = null }))
        {
            var secondMountPoint = Directory.CreateDirectory(Path.Combine(workspace.Root, "mnt2")).FullName;
            var refused = Refused<MountInUseException>(workspace.JournaledMount() with { MountPoint = secondMountPoint });
            Assert.Equal($"the backing directory {workspace.Backing} is mounted already at {workspace.MountPoint} (pid {Environment.ProcessId}) without a journal: one directory takes one mount at a time; 'vellum umount {workspace.MountPoint}' stops that mount", refused.Message);
            plain.Stop();
        }
        using var journaled = MountHost.Start(workspace.JournaledMount());
        journaled.Stop();
    }

    [Fact]
    public void A_directory_bound_to_a_journal_refuses_another_until_rebound_on_purpose_which_says_what_it_did()
    {
        using var workspace = new Workspace();
        MountOnce(workspace, "echo one > a");
        var id = JournalBinding.Read(workspace.Journal)!.JournalId;
        var second = Path.Combine(workspace.Root, "journal2");
        var options = workspace.JournaledMount() with { Journal = new MountJournalOptions { Directory = second, BackingDirectory = workspace.Backing } };

        var refused = Refused<JournalMismatchException>(options);
        Assert.Equal(
            $"the backing directory {workspace.Backing} is bound to the journal {workspace.Journal} ({id}), not {second}: mount it with --journal {workspace.Journal} (or without --journal), "
            + $"or add --rebind-journal to bind it to {second} from now on ({workspace.Journal} then receives none of its changes)",
            refused.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));
        Assert.False(Directory.Exists(second), "the refused mount left the journal directory it made");

        using (var rebound = MountHost.Start(options with { Journal = options.Journal! with { RebindJournal = true } }))
        {
            workspace.Log.WaitFor($"bound {workspace.Backing} ({BackingIdentity.Of(workspace.Backing)}) to the journal {second} on purpose (--rebind-journal); the journal {workspace.Journal} ({id}) it was bound to receives none of its changes from now on", Workspace.Patience);
            Assert.Equal(rebound.Journal!.Header.JournalId, BackingMark.Read(workspace.Backing)!.Value.Mark.JournalId);
            workspace.RunInMount("echo two > b");
            rebound.Stop();
        }
        // The first journal is the other one now.
        var back = Refused<JournalMismatchException>(workspace.JournaledMount());
        Assert.StartsWith($"the backing directory {workspace.Backing} is bound to the journal {second} (", back.Message);
    }

    [Fact]
    public void The_mark_cannot_be_seen_or_changed_through_the_mount_and_other_attributes_can()
    {
        using var workspace = new Workspace();
        Assert.Equal(0, LibC.SetXattr(workspace.Backing, "user.kept", "yes"u8, 0));
        File.WriteAllText(Path.Combine(workspace.Backing, "existing"), "recorded by the baseline, with the root's attributes");
        using var host = MountHost.Start(workspace.JournaledMount());
        var (_, name) = BackingMark.Read(workspace.Backing) ?? throw new InvalidOperationException("the backing directory has no mark");
        Assert.Equal(MarkXattrs.Trusted, name);
        var mount = workspace.MountPoint;
        File.WriteAllText(Path.Combine(mount, "f"), "");

        Assert.Equal(0, LibC.SetXattr(Path.Combine(mount, "f"), "user.set.through.mount", "yes"u8, 0));
        var list = new byte[4096];
        var listed = LibC.ListXattr(mount, list);
        Assert.True(listed > 0, $"listxattr: {LibC.LastError()}");
        Assert.Equal(["user.kept"], System.Text.Encoding.UTF8.GetString(list, 0, (int)listed).Split('\0', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(listed, LibC.ListXattr(mount, []));
        foreach (var mark in new[] { MarkXattrs.Trusted, MarkXattrs.User })
        {
            Assert.Equal(-1, LibC.GetXattr(mount, mark, new byte[4096]));
            Assert.Equal(Errno.ENODATA, LibC.LastError());
            Assert.Equal(-1, LibC.SetXattr(mount, mark, "journal-id=0"u8, 0));
            Assert.Equal(Errno.EPERM, LibC.LastError());
            Assert.Equal(-1, LibC.RemoveXattr(mount, mark));
            Assert.Equal(Errno.EPERM, LibC.LastError());
        }
        Assert.Equal(host.Journal!.Header.JournalId, BackingMark.Read(workspace.Backing)!.Value.Mark.JournalId);

        workspace.Log.WaitFor("baseline complete", Workspace.Patience);
        host.Stop();
        // The journal never holds the mark: a replay of it carries none.
        workspace.AssertJournalReplaysToBacking();
        Assert.Null(BackingMark.Read(Path.Combine(workspace.Root, "replay")));
    }

    [Fact]
    public void A_journal_made_before_bindings_keeps_working_and_is_bound_on_its_first_mount()
    {
        using var workspace = new Workspace();
        MountOnce(workspace, "echo before > a");
        // What the last version left: the journal without its binding, the directory without a mark.
        Assert.Equal(0, LibC.RemoveXattr(workspace.Backing, MarkXattrs.Trusted));
        File.Delete(Path.Combine(workspace.Journal, JournalBinding.FileName));
        File.Delete(Path.Combine(workspace.Journal, MountJournal.LockFileName));

        using (var upgraded = MountHost.Start(workspace.JournaledMount()))
        {
            workspace.Log.WaitFor($"bound {workspace.Backing} ({BackingIdentity.Of(workspace.Backing)}) to its journal {workspace.Journal}, made before journals were bound to their directories", Workspace.Patience);
            Assert.Equal(upgraded.Journal!.Header.JournalId, BackingMark.Read(workspace.Backing)!.Value.Mark.JournalId);
            Assert.Equal(BackingIdentity.Of(workspace.Backing), JournalBinding.Read(workspace.Journal)!.Backing);
            workspace.RunInMount("echo after > b; cat a > /dev/null");
            upgraded.Stop();
        }
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void A_copy_of_a_bound_directory_is_refused_its_journal_until_it_takes_the_originals_place_on_purpose()
    {
        using var workspace = new Workspace();
        MountOnce(workspace, "echo data > a");
        var copy = Path.Combine(workspace.Root, "copy");
        Run("cp", "-a", workspace.Backing, copy);
        Assert.NotNull(BackingMark.Read(copy));
        var ofCopy = workspace.JournaledMount() with { Backing = copy, Journal = new MountJournalOptions { Directory = workspace.Journal, BackingDirectory = copy } };

        var refused = Refused<JournalMismatchException>(ofCopy);
        Assert.Equal(
            $"the backing directory {copy} ({BackingIdentity.Of(copy)}) carries the mark of the journal {workspace.Journal}, which journals {workspace.Backing} ({BackingIdentity.Of(workspace.Backing)}), still there: {copy} is a copy of it; "
            + $"if {copy} takes its place, add --rebind-journal to continue the journal with it; otherwise give it a journal of its own with --journal DIR --rebind-journal",
            refused.Message);

        using (var taken = MountHost.Start(ofCopy with { Journal = ofCopy.Journal! with { RebindJournal = true } }))
        {
            workspace.Log.WaitFor($"it continues the journal of {workspace.Backing} ({BackingIdentity.Of(workspace.Backing)})", Workspace.Patience);
            taken.Stop();
        }
        Assert.Equal(BackingIdentity.Of(copy), JournalBinding.Read(workspace.Journal)!.Backing);
        Assert.StartsWith($"the backing directory {workspace.Backing} ({BackingIdentity.Of(workspace.Backing)}) carries the mark of the journal {workspace.Journal}, which journals {copy} (", Refused<JournalMismatchException>(workspace.JournaledMount()).Message);
    }

    [Fact]
    public void A_directory_whose_journal_is_gone_takes_a_new_one_only_on_purpose()
    {
        using var workspace = new Workspace();
        MountOnce(workspace, "true");
        var id = JournalBinding.Read(workspace.Journal)!.JournalId;
        Directory.Delete(workspace.Journal, recursive: true);

        var refused = Refused<JournalMismatchException>(workspace.JournaledMount());
        Assert.Equal(
            $"the backing directory {workspace.Backing} is bound to the journal {id}, last at {workspace.Journal}, which is not there (moved, on a disk not mounted, or deleted): "
            + $"give its place with --journal DIR, or, if it is lost, add --rebind-journal to bind {workspace.Backing} to {workspace.Journal}",
            refused.Message);

        var options = workspace.JournaledMount();
        using var fresh = MountHost.Start(options with { Journal = options.Journal! with { RebindJournal = true } });
        Assert.NotEqual(id, fresh.Journal!.Header.JournalId);
        Assert.Equal(fresh.Journal.Header.JournalId, BackingMark.Read(workspace.Backing)!.Value.Mark.JournalId);
        fresh.Stop();
    }

    [Fact]
    public void A_backing_directory_without_extended_attributes_is_bound_by_identity_alone_and_says_so()
    {
        using var workspace = new Workspace();
        var ramfs = Directory.CreateDirectory(Path.Combine(workspace.Root, "ramfs")).FullName;
        Run("mount", "-t", "ramfs", "ramfs", ramfs);
        try
        {
            var options = workspace.JournaledMount() with { Backing = ramfs, Journal = new MountJournalOptions { Directory = workspace.Journal, BackingDirectory = ramfs } };
            using (var host = MountHost.Start(options))
            {
                workspace.Log.WaitFor($"cannot store the mark binding {ramfs} to the journal {workspace.Journal} (Operation not supported): the journal records the directory's identity", Workspace.Patience);
                Assert.Null(host.Journal!.Binding.MarkName);
                Assert.Null(MountStatusClient.Ask(workspace.MountPoint)!.Status.Binding!.Mark);
                var second = Directory.CreateDirectory(Path.Combine(workspace.Root, "mnt2")).FullName;
                Refused<MountInUseException>(options with { MountPoint = second, Journal = options.Journal with { Directory = Path.Combine(workspace.Root, "journal2") } });
                host.Stop();
            }
            Assert.Equal(BackingIdentity.Of(ramfs), JournalBinding.Read(workspace.Journal)!.Backing);
            using var again = MountHost.Start(options);
            again.Stop();
        }
        finally
        {
            Run("umount", "-l", ramfs);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var child = Process.Start(program, args)!;
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"{program} {string.Join(' ', args)}: exit {child.ExitCode}");
    }

    /// <summary>Mounts the workspace with its journal, runs <paramref name="script"/> in the mount, and stops.</summary>
    private static void MountOnce(Workspace workspace, string script)
    {
        using var host = MountHost.Start(workspace.JournaledMount());
        workspace.RunInMount(script);
        host.Stop();
    }

    /// <summary>Starts a mount that must be refused with <typeparamref name="T"/>; one that starts is stopped and fails the test.</summary>
    private static T Refused<T>(MountHostOptions options)
        where T : Exception
    {
        MountHost? started = null;
        try
        {
            started = MountHost.Start(options);
        }
        catch (T refused)
        {
            return refused;
        }
        finally
        {
            started?.Dispose();
        }
        Assert.Fail($"the mount of {options.Backing} at {options.MountPoint} was not refused");
        return null!;
    }
}
