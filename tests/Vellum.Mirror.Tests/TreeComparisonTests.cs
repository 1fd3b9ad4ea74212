using Vellum.Testing;

namespace Vellum.Mirror.Tests;

/// <summary>The comparison the replay tests rely on notices each kind of difference.</summary>
public sealed class TreeComparisonTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private (string Left, string Right) TwoEqualTrees()
    {
        var left = Directory.CreateDirectory(Path.Combine(_work.Root, "left")).FullName;
        var right = Directory.CreateDirectory(Path.Combine(_work.Root, "right")).FullName;
        foreach (var root in new[] { left, right })
        {
            File.WriteAllBytes(Path.Combine(root, "file"), Scenarios.Fill(100, 1));
            Sys.Link(Path.Combine(root, "file"), Path.Combine(root, "hard"));
            File.WriteAllBytes(Path.Combine(root, "other"), Scenarios.Fill(100, 1));
            Sys.SetTimes(Path.Combine(root, "file"), (1, 0), (1_500_000_000, 5));
            Sys.SetTimes(Path.Combine(root, "other"), (1, 0), (1_500_000_000, 5));
            Sys.SetTimes(root, (1, 0), (1_500_000_000, 5));
        }
        Assert.Empty(TreeComparison.Compare(left, right));
        return (left, right);
    }

    [Fact]
    public void Each_kind_of_difference_is_named_with_its_path_and_field()
    {
        var (left, right) = TwoEqualTrees();
        Sys.SetTimes(Path.Combine(right, "file"), (1, 0), (1_500_000_000, 6));
        Sys.SetXattr(Path.Combine(right, "other"), "user.extra", [1]);
        File.Delete(Path.Combine(right, "hard"));
        Sys.Link(Path.Combine(right, "other"), Path.Combine(right, "hard"));

        var fields = TreeComparison.Compare(left, right).Select(difference => $"{difference.Path} {difference.Field}").ToList();

        Assert.Contains("file mtime", fields);
        Assert.Contains("other xattr user.extra", fields);
        Assert.Contains("hard hard links (first name sharing the inode)", fields);
        Assert.Throws<TreeComparisonException>(() => TreeComparison.AssertEqual(left, right));
    }

    [Fact]
    public void Sparse_layout_is_compared_even_when_the_bytes_read_the_same()
    {
        var (left, right) = TwoEqualTrees();
        using (var file = File.OpenHandle(Path.Combine(left, "sparse"), FileMode.Create, FileAccess.Write))
            RandomAccess.SetLength(file, 1 << 20);
        File.WriteAllBytes(Path.Combine(right, "sparse"), new byte[1 << 20]);

        var differences = TreeComparison.Compare(left, right);

        Assert.Equal(["sparse sparse extents"], differences.Where(d => d.Field != "mtime").Select(d => $"{d.Path} {d.Field}"));
    }

    [Fact]
    public void With_a_cutoff_only_times_set_before_it_are_compared_atimes_included_and_skipped_paths_are_left_out()
    {
        var (left, right) = TwoEqualTrees();
        // Clock times on the expected side (after the cutoff) may differ; an atime set before it may not.
        Sys.SetTimes(Path.Combine(left, "other"), (1_700_000_000, 1), (1_700_000_000, 1));
        Sys.SetTimes(Path.Combine(right, "other"), (1_700_000_002, 0), (1_700_000_003, 0));
        Sys.SetTimes(Path.Combine(right, "file"), (2, 0), (1_500_000_000, 5));
        File.WriteAllText(Path.Combine(right, "only-here"), "skipped");
        Sys.SetTimes(right, (1, 0), (1_500_000_000, 5));
        var cutoff = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

        var differences = TreeComparison.Compare(left, right, new TreeComparisonOptions
        {
            MtimesSetBefore = cutoff,
            AtimesSetBefore = cutoff,
            Skip = path => path == "only-here",
        });

        Assert.Equal(["file atime", "hard atime"], differences.Select(d => $"{d.Path} {d.Field}"));
        Assert.Contains(TreeComparison.Compare(left, right), d => d.Path == "other" && d.Field == "mtime");
    }
}
