using System.Diagnostics;
using Vellum.Native;

namespace Vellum.Store.Tests;

/// <summary>
/// The store's files are owner-only and never written through a name someone else put in its
/// directory; a shared store is refused for reading with the command that makes it private.
/// </summary>
public sealed class StorePrivacyTests : IDisposable
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-store-privacy-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_symlink_planted_where_the_next_segment_goes_fails_that_append_and_its_target_stays_untouched()
    {
        // The same appends in a scratch store name the second segment.
        var scratch = Path.Combine(_root, "scratch");
        using (var store = SegmentStore.Open(scratch, Txn.Options(segmentSize: 4096)))
            AppendUntilTwoSegments(store);
        var second = Directory.GetFiles(scratch, "*.vseg").Order(StringComparer.Ordinal).ElementAt(1);

        // A directory writable by anyone (--allow-shared-journal), and a symlink in it where that segment goes.
        var directory = Directory.CreateDirectory(Path.Combine(_root, "shared")).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0x1FF);
        var target = Path.Combine(_root, "target");
        File.WriteAllText(target, "not the journal's");
        var planted = Path.Combine(directory, Path.GetFileName(second));

        using (var store = SegmentStore.Open(directory, Txn.Options(segmentSize: 4096)))
        {
            File.CreateSymbolicLink(planted, target);
            var refused = Assert.Throws<StoreIOException>(() => AppendUntilTwoSegments(store));
            Assert.Contains($"open {planted}", refused.Message, StringComparison.Ordinal);
            Assert.Contains("File exists", refused.Message, StringComparison.Ordinal);
        }
        Assert.Equal("not the journal's", File.ReadAllText(target));
        Assert.Equal(target, new FileInfo(planted).LinkTarget);
    }

    [Fact]
    public void A_parent_swapped_for_a_symlink_after_opening_does_not_redirect_new_segments()
    {
        var parent = Directory.CreateDirectory(Path.Combine(_root, "parent")).FullName;
        var directory = Path.Combine(parent, "journal");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        Directory.CreateDirectory(Path.Combine(elsewhere, "journal"));
        var moved = Path.Combine(_root, "moved");
        using (var store = SegmentStore.Open(directory, Txn.Options(segmentSize: 4096)))
        {
            // What someone who can write the parent's parent could do between two appends.
            Directory.Move(parent, moved);
            File.CreateSymbolicLink(parent, elsewhere);
            AppendUntilTwoSegments(store);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(elsewhere, "journal")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(moved, "journal"), "*.vseg").Length);
    }

    [Fact]
    public void A_symlink_in_place_of_an_existing_segment_refuses_the_store_and_its_target_stays_untouched()
    {
        var directory = Path.Combine(_root, "journal");
        using (var store = SegmentStore.Open(directory, Txn.Options()))
            store.Commit(Txn.Single(1));
        var segment = Directory.GetFiles(directory, "*.vseg").Single();
        var target = Path.Combine(_root, "moved.vseg");
        File.Move(segment, target);
        var before = File.ReadAllBytes(target);
        File.CreateSymbolicLink(segment, target);

        var refused = Assert.Throws<NotPrivateException>(() => SegmentStore.Open(directory, Txn.Options()));
        Assert.Contains($"{segment} is a symbolic link (to {target})", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(target));
    }

    [Fact]
    public void A_new_store_in_a_directory_made_before_makes_the_directory_and_its_segments_owner_only()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "made-before")).FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0x1ED);
        using (var store = SegmentStore.Open(directory, Txn.Options(segmentSize: 4096)))
            AppendUntilTwoSegments(store);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(directory));
        Assert.All(Directory.GetFiles(directory), file => Assert.Equal(PrivateFile, File.GetUnixFileMode(file)));
        Assert.False(StorePrivacy.CheckForReading(directory, "the store", allowShared: false).IsShared);
    }

    [Fact]
    public void A_shared_store_is_refused_for_reading_with_its_chmod_and_allowed_it_lists_what_is_shared()
    {
        var directory = Path.Combine(_root, "journal");
        using (var store = SegmentStore.Open(directory, Txn.Options()))
            store.Commit(Txn.Single(1));
        var segment = Directory.GetFiles(directory, "*.vseg").Single();
        File.SetUnixFileMode(segment, (UnixFileMode)0x1A4);

        var refused = Assert.Throws<NotPrivateException>(() => StorePrivacy.CheckForReading(directory, "the store", allowShared: false));
        Assert.Equal($"the store {directory} is not private: other users may access it ({segment} mode 644); run: chmod -R go= {directory} (or give --allow-shared-journal to use it shared)", refused.Message);

        var shared = StorePrivacy.CheckForReading(directory, "the store", allowShared: true);
        Assert.Equal(segment, Assert.Single(shared.Entries).Path);
        Assert.Contains($"'chmod -R go= {directory}' makes it private", StorePrivacy.Warning(shared, "the store"), StringComparison.Ordinal);
    }

    [Fact]
    public void Files_and_directories_removed_while_the_check_walks_a_live_store_are_passed_over()
    {
        // What a running mount does beside a second one checking its journal: a temporary
        // renamed into place, a directory removed, between listing and examining.
        var store = Directory.CreateDirectory(Path.Combine(_root, "live")).FullName;
        File.SetUnixFileMode(store, PrivateDirectory);
        var vanishing = new[] { Path.Combine(store, "a.new"), Path.Combine(store, "b.new") };
        foreach (var file in vanishing)
            File.WriteAllText(file, "");
        var subdirectory = Directory.CreateDirectory(Path.Combine(store, "z")).FullName;
        File.WriteAllText(Path.Combine(subdirectory, "c"), "");
        var removed = false;
        var shared = StorePrivacy.CheckForReading(store, "the journal", allowShared: false, exempt: _ =>
        {
            if (!removed)
            {
                foreach (var file in vanishing)
                    File.Delete(file);
                Directory.Delete(subdirectory, recursive: true);
                removed = true;
            }
            return false;
        });
        Assert.True(removed);
        Assert.Empty(shared.Entries);
    }

    [Fact]
    public void An_ACL_is_read_from_its_xattr_entry_by_entry()
    {
        var file = Path.Combine(_root, "granted");
        File.WriteAllText(file, "");
        File.SetUnixFileMode(file, PrivateFile);
        Run("setfacl", "-m", "u:nobody:r,g:nogroup:rw", file);
        var value = new byte[256];
        var length = LibC.GetXattr(file, PosixAcl.AccessXattr, value);
        Assert.True(length > 0);

        var acl = PosixAcl.Parse(value.AsSpan(0, (int)length));
        Assert.Equal([PosixAcl.UserObj, PosixAcl.User, PosixAcl.GroupObj, PosixAcl.Group, PosixAcl.Mask, PosixAcl.Other], acl.Select(entry => entry.Tag));
        Assert.Equal(["user nobody: r--", "group nogroup: rw-"], PosixAcl.NamedEntries(acl).Select(PosixAcl.Describe));
        Assert.Throws<InvalidDataException>(() => PosixAcl.Parse(value.AsSpan(0, (int)length - 1)));
        value[0] = 3;
        Assert.Throws<InvalidDataException>(() => PosixAcl.Parse(value.AsSpan(0, (int)length)));
    }

    private static void AppendUntilTwoSegments(SegmentStore store)
    {
        for (ulong id = 1; store.SegmentCount < 2; id++)
            store.Commit(Txn.Single(id, 500));
    }

    private static void Run(string program, params string[] args)
    {
        using var child = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = child.StandardError.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
