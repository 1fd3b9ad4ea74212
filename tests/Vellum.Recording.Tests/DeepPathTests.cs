using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Native;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// A tree deeper than PATH_MAX through a journaled mount: the kernel cannot give the daemon
/// such a path, yet every change there is journaled with its whole path and replays.
/// </summary>
public sealed class DeepPathTests
{
    /// <summary>24 levels of 200-byte names: 4,824 bytes below the mount root, past PATH_MAX.</summary>
    private const int Levels = 24;

    private static string Level(int i) => $"{i:D3}" + new string('d', 197);

    private static string PathTo(int levels) => string.Join('/', Enumerable.Range(0, levels).Select(Level));

    [Fact]
    public void Changes_deeper_than_PATH_MAX_are_journaled_with_their_whole_path_and_the_replay_equals_the_backing_directory()
    {
        using var mount = JournaledMount.Start();
        var directories = MakeChain(mount.MountPoint, Levels);
        try
        {
            var (deep, above) = (directories[^1], directories[^2]);
            AtCalls.WriteFile(deep, "f", "deep content"u8.ToArray());
            AtCalls.Chmod(deep, "f", 0x180);
            AtCalls.SetXattr(deep, "f", "user.depth", "24"u8.ToArray());
            AtCalls.Link(deep, "f", deep, "g");
            AtCalls.Rename(deep, "g", above, "moved");
            AtCalls.Symlink("f", deep, "s");
            AtCalls.WriteFile(deep, "doomed", [1]);
            AtCalls.Unlink(deep, "doomed");
            AtCalls.Chmod(above, Level(Levels - 1), 0x1C0);
        }
        finally
        {
            directories.ForEach(fd => LibC.Close(fd));
        }
        mount.Unmount();

        var (deepPath, abovePath) = (PathTo(Levels), PathTo(Levels - 1));
        Assert.True(deepPath.Length > 4096, $"{deepPath.Length} bytes is not past PATH_MAX");
        var operations = JournalReplay.Operations(mount.Journal);
        // Every change names its node; the baseline's COMPLETE (of the root's ATTRS) names none.
        Assert.All(operations.Where(operation => operation.Kind != SubRecordType.Baseline), operation => Assert.NotNull(operation.Path));
        var journaled = operations.Select(Describe).ToList();
        foreach (var expected in new[]
        {
            $"Mkdir {deepPath}", $"Create {deepPath}/f", $"Write {deepPath}/f", $"SetAttr {deepPath}/f", $"SetXattr {deepPath}/f",
            $"Link {deepPath}/f {deepPath}/g", $"Rename {deepPath}/g {abovePath}/moved", $"Symlink {deepPath}/s",
            $"Unlink {deepPath}/doomed", $"SetAttr {deepPath}",
        })
            Assert.Contains(expected, journaled);

        Replay.AssertEqualsBacking(mount);

        var (exitCode, output, error) = JournaledMount.RunVellum("log", mount.Journal);
        Assert.True(exitCode == 0, error);
        Assert.Contains($" write {deepPath}/f offset=0 length=12 ", output);
    }

    [Fact]
    public void A_journal_of_format_version_1_refuses_a_change_whose_path_it_cannot_hold_with_ENAMETOOLONG_and_keeps_the_rest()
    {
        using var mount = JournaledMount.Start();
        mount.Unmount();
        Directory.Delete(mount.Journal, recursive: true);
        // A journal of version 1 predates bindings: its directory carries no mark.
        Assert.Equal(0, LibC.RemoveXattr(mount.Backing, Passthrough.MarkXattrs.Trusted));
        var version1 = JournalHeader.Create(Guid.NewGuid(), 1, "host", mount.Backing) with { Version = 1, MinCompatibleVersion = 1 };
        using (SegmentStore.Open(mount.Journal, new StoreOptions { Header = version1 }))
        {
        }
        mount.Mount();

        // 20 levels are 4,020 bytes: within the version-1 limit; a 21st would be 4,221.
        var directories = MakeChain(mount.MountPoint, 20);
        Errno refused;
        try
        {
            refused = AtCalls.TryMakeDirectory(directories[^1], Level(20));
        }
        finally
        {
            directories.ForEach(fd => LibC.Close(fd));
        }
        Directory.CreateDirectory(Path.Combine(mount.MountPoint, "after"));
        mount.Unmount();

        Assert.Equal(Errno.ENAMETOOLONG, refused);
        using (var store = SegmentStore.OpenReadOnly(mount.Journal))
            Assert.Equal(1, store.Header.Version);
        var journaled = JournalReplay.Operations(mount.Journal).Select(Describe).ToList();
        Assert.Equal(21, journaled.Count);
        Assert.Equal("Mkdir after", journaled[^1]);
        Replay.AssertEqualsBacking(mount);
    }

    /// <summary>Makes <paramref name="levels"/> nested directories under <paramref name="root"/>; descriptors of the root and of each, to close.</summary>
    private static List<int> MakeChain(string root, int levels)
    {
        var directories = new List<int> { AtCalls.OpenDirectory(LibCConstants.AtFdCwd, root) };
        try
        {
            for (var i = 0; i < levels; i++)
            {
                AtCalls.MakeDirectory(directories[^1], Level(i));
                directories.Add(AtCalls.OpenDirectory(directories[^1], Level(i)));
            }
        }
        catch
        {
            directories.ForEach(fd => LibC.Close(fd));
            throw;
        }
        return directories;
    }

    private static string Describe(JournalOperation operation) =>
        string.Join(' ', new[] { operation.Kind.ToString(), Text(operation.Path), Text(operation.Path2) }.Where(part => part.Length > 0));

    private static string Text(byte[]? path) => path is null ? "" : Encoding.UTF8.GetString(path);
}
