using Vellum.Fuse;

namespace Vellum.Recording.Tests;

/// <summary>
/// Before the first baseline a mount checks that the journal's disk has room for it: a tree
/// larger than that room is refused at once, saying how much is needed and how much is free,
/// instead of filling the disk half-way through the baseline.
/// </summary>
public sealed class BaselineRoomTests : IDisposable
{
    private const int MiB = 1 << 20;

    private readonly TmpfsDisk _disk = new("24m");

    public void Dispose() => _disk.Dispose();

    [Fact]
    public void A_first_mount_of_a_tree_larger_than_the_journal_s_free_space_is_refused_saying_what_it_needs_and_what_is_free()
    {
        using var mount = JournaledMount.PrepareWithJournal(Path.Combine(_disk.Path, "journal"));
        var data = new byte[MiB];
        var random = new Random(6);
        using (var file = new FileStream(Path.Combine(mount.Backing, "data.bin"), FileMode.CreateNew, FileAccess.Write))
        {
            for (var i = 0; i < 48; i++)
            {
                random.NextBytes(data);
                file.Write(data);
            }
        }
        Directory.CreateDirectory(Path.Combine(mount.Backing, "sub"));
        File.WriteAllText(Path.Combine(mount.Backing, "sub", "small.txt"), "small");

        var exitCode = mount.MountExpectingRefusal();

        var log = mount.Log;
        Assert.True(exitCode == 3, $"exit code {exitCode}:\n{log}");
        Assert.Contains("free", log, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("need", log, StringComparison.OrdinalIgnoreCase);
        Assert.Null(MountInfo.FileSystemTypeAt(mount.MountPoint));
        Assert.Equal(48L * MiB, new FileInfo(Path.Combine(mount.Backing, "data.bin")).Length);
    }
}
