using System.Text;
using System.Text.Json;
using Vellum.Host;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `vellum diff` against what really happened through a journaled mount: each kind of change
/// once, with the exact lines; and, during a random multi-threaded workload, the diff between
/// pairs of recorded moments against the difference of the trees recorded at them.
/// </summary>
public sealed class DiffTests(ITestOutputHelper output)
{
    [Fact]
    public void Each_kind_of_change_is_reported_once_with_its_letters_following_renames_and_leaving_out_what_came_and_went()
    {
        using var workspace = new Workspace();
        string B(string name) => Path.Combine(workspace.Backing, name);
        Directory.CreateDirectory(B("docs"));
        foreach (var name in new[] { "kept.txt", "edited.txt", "chmodded.txt", "tagged.txt", "deleted.txt", "moved.txt", "moved-edited.txt", "replaced.txt", "docs/inside.txt" })
            File.WriteAllText(B(name), $"the original {name}\n");
        using var host = MountHost.Start(workspace.JournaledMount());
        Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), workspace.Log.Text);
        var before = workspace.Settle(host);
        string M(string name) => Path.Combine(workspace.MountPoint, name);
        File.AppendAllText(M("edited.txt"), "an edit\n");
        File.SetUnixFileMode(M("chmodded.txt"), UnixFileMode.UserRead);
        Assert.Equal(0, LibC.SetXattr(M("tagged.txt"), "user.tag", "red"u8.ToArray(), 0));
        File.Delete(M("deleted.txt"));
        File.Move(M("moved.txt"), M("moved-to.txt"));
        File.Move(M("moved-edited.txt"), M("moved-edited-to.txt"));
        File.AppendAllText(M("moved-edited-to.txt"), "and changed\n");
        File.Delete(M("replaced.txt"));
        File.WriteAllText(M("replaced.txt"), "another file under the same name\n");
        File.WriteAllText(M("came-and-went.txt"), "here for a moment\n");
        File.Delete(M("came-and-went.txt"));
        File.WriteAllText(M("created.txt"), "new\n");
        Assert.Equal(0, LibC.LinkAt(LibCConstants.AtFdCwd, M("kept.txt"), LibCConstants.AtFdCwd, M("kept-link.txt"), 0));
        Directory.Move(M("docs"), M("papers"));
        var after = workspace.Settle(host);

        var diff = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{before}", "--to", $"txid:{after}");
        output.WriteLine(diff.ToString());
        Assert.True(diff.ExitCode == 0, diff.ToString());
        string[] expected =
        [
            "m   chmodded.txt",
            "A   created.txt",
            "D   deleted.txt",
            "M   edited.txt",
            "A   kept-link.txt",
            "RM  moved-edited.txt -> moved-edited-to.txt",
            "R   moved.txt -> moved-to.txt",
            "R   docs/ -> papers/",
            "R   docs/inside.txt -> papers/inside.txt",
            "D   replaced.txt",
            "A   replaced.txt",
            "m   tagged.txt",
        ];
        Assert.Equal(expected, diff.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"vellum diff: --from txid:{before} is txid:{before} (", diff.Error, StringComparison.Ordinal);
        Assert.Contains($"vellum diff: --to txid:{after} is txid:{after} (", diff.Error, StringComparison.Ordinal);

        // --to defaults to the newest moment; --json gives the same as JSON Lines.
        var json = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{before}", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Contains($"vellum diff: --to (the newest) is txid:{after} (", json.Error, StringComparison.Ordinal);
        var lines = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(expected.Length, lines.Count);
        var movedEdited = lines.Single(line => line.GetProperty("path").GetString() == "moved-edited-to.txt");
        Assert.Equal("RM", movedEdited.GetProperty("status").GetString());
        Assert.Equal("moved-edited.txt", movedEdited.GetProperty("old_path").GetString());
        Assert.True(movedEdited.GetProperty("content").GetBoolean());
        Assert.Equal("directory", lines.Single(line => line.GetProperty("path").GetString() == "papers").GetProperty("type").GetString());

        // The same moment on both sides: nothing; the moments the wrong way round: refused.
        var same = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{after}", "--to", $"txid:{after}");
        Assert.True(same.ExitCode == 0 && same.Output.Length == 0, same.ToString());
        var reversed = Vellum.Run("diff", workspace.Journal, "--from", $"txid:{after}", "--to", $"txid:{before}");
        Assert.True(reversed.ExitCode == 1 && reversed.Error.Contains("give the earlier moment as --from", StringComparison.Ordinal), reversed.ToString());
        var unparsable = Vellum.Run("diff", workspace.Journal, "--from", "yesterday");
        Assert.True(unparsable.ExitCode == 1 && unparsable.Error.Contains(Moment.AcceptedForms, StringComparison.Ordinal), unparsable.ToString());
        host.Stop();
    }

    [Fact]
    public void A_diff_between_moments_of_a_random_workload_equals_the_difference_of_the_trees_recorded_at_them()
    {
        using var workspace = new Workspace();
        var tree = ExistingTree.Build(workspace.Backing, ExistingTreeShape.Small(seed: 23));
        using var host = MountHost.Start(workspace.JournaledMount());
        Assert.True(Poll.Until(() => host.Journal!.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), workspace.Log.Text);
        var workload = new ExistingTreeWorkload(workspace.MountPoint, tree, seed: 7);
        var moments = new List<(ulong Id, TreeSnapshot Tree)>();
        // A file the workload does not know (it picks among the names it made or was given), so
        // that its name at every moment before the test's rename is this one.
        const string renamedFrom = "renamed-by-the-test.txt";
        const string renamedTo = renamedFrom + ".renamed";
        File.WriteAllText(Path.Combine(workspace.MountPoint, renamedFrom), "the test's own file\n");
        for (var round = 0; round < 12; round++)
        {
            workload.Run(threads: 3, operations: 15);
            if (round == 6)
            {
                // A rename the test makes itself, with a change after it: reported as R and M.
                File.Move(Path.Combine(workspace.MountPoint, renamedFrom), Path.Combine(workspace.MountPoint, renamedTo));
                File.AppendAllText(Path.Combine(workspace.MountPoint, renamedTo), "changed after its rename\n");
            }
            moments.Add((workspace.Settle(host), TreeComparison.Snapshot(workspace.Backing)));
        }
        output.WriteLine($"workload: {workload}; moments: {string.Join(", ", moments.Select(m => m.Id))}");
        var timeline = StoreTimeline.Read(workspace.Journal);
        var pairs = Enumerable.Range(0, moments.Count - 1).Select(i => (i, i + 1))
            .Concat([(0, moments.Count - 1), (2, 9), (4, 8), (5, 7), (6, 6)]);
        var reported = 0;
        foreach (var (i, j) in pairs)
        {
            var changes = TreeDiff.Run(workspace.Journal, timeline.Resolve(Moment.Parse($"txid:{moments[i].Id}"), DateTimeOffset.Now),
                timeline.Resolve(Moment.Parse($"txid:{moments[j].Id}"), DateTimeOffset.Now));
            // Journal paths are one char per byte; the recorded trees' names are text.
            changes = [.. changes.Select(c => c with { Path = TreeChange.Shown(c.Path), OldPath = c.OldPath is null ? null : TreeChange.Shown(c.OldPath) })];
            RequireTheDifference(moments[i].Tree.Items(), moments[j].Tree.Items(), changes, $"txid:{moments[i].Id} -> txid:{moments[j].Id}");
            reported += changes.Count;
            if (i <= 5 && j >= 7)
            {
                var rename = changes.SingleOrDefault(c => c.Path == renamedTo);
                Assert.True(rename is { Kind: TreeChangeKind.Renamed, Content: true } && rename.OldPath == renamedFrom,
                    $"the test's rename {renamedFrom} -> {renamedTo} is reported as {rename?.Code} {rename?.OldPath} -> {rename?.Path}");
            }
        }
        output.WriteLine($"{reported} changes reported over the pairs");
        Assert.True(reported > 100, $"only {reported} changes: the workload changed too little to test the diff");
        host.Stop();
    }

    /// <summary>
    /// The diff says exactly what the two recorded trees say: a path only at the first moment is
    /// deleted or renamed away, a path only at the second created or renamed to; a rename joins
    /// one inode's names; content that differs is M, metadata that differs m (and m only then);
    /// a path in both that the diff does not mention is the same inode with equal content,
    /// metadata and (for a file) mtime.
    /// </summary>
    private static void RequireTheDifference(IReadOnlyDictionary<string, TreeSnapshotItem> before, IReadOnlyDictionary<string, TreeSnapshotItem> after,
        IReadOnlyList<TreeChange> changes, string pair)
    {
        var problems = new List<string>();
        var gone = changes.Where(c => c.Kind == TreeChangeKind.Deleted).Select(c => c.Path)
            .Concat(changes.Where(c => c.Kind == TreeChangeKind.Renamed).Select(c => c.OldPath!)).ToHashSet(StringComparer.Ordinal);
        var come = changes.Where(c => c.Kind is TreeChangeKind.Created or TreeChangeKind.Renamed).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var changed = changes.Where(c => c.Kind == TreeChangeKind.Changed).ToDictionary(c => c.Path, StringComparer.Ordinal);
        foreach (var path in before.Keys.Union(after.Keys).Where(p => p != "."))
        {
            var was = before.GetValueOrDefault(path);
            var now = after.GetValueOrDefault(path);
            if (was is not null && now is null && !gone.Contains(path))
                problems.Add($"{path} was deleted, but the diff does not say so");
            else if (was is null && now is not null && !come.Contains(path))
                problems.Add($"{path} was created, but the diff does not say so");
            else if (was is not null && now is not null && gone.Contains(path) != come.Contains(path))
                problems.Add($"{path} is at both moments, but the diff has it only {(gone.Contains(path) ? "leaving" : "arriving")}");
            else if (was is not null && now is not null && !gone.Contains(path))
            {
                var flags = changed.GetValueOrDefault(path);
                if (was.Inode != now.Inode)
                    problems.Add($"{path} names inode {was.Inode}, then {now.Inode}, but the diff has it as the same file");
                else
                    RequireFlags(path, was, now, flags?.Content ?? false, flags?.Metadata ?? false, problems);
            }
        }
        foreach (var change in changes)
        {
            if (change.Kind == TreeChangeKind.Deleted && !before.ContainsKey(change.Path))
                problems.Add($"D {change.Path}: it did not exist at the first moment");
            if (change.Kind == TreeChangeKind.Created && !after.ContainsKey(change.Path))
                problems.Add($"A {change.Path}: it does not exist at the second moment");
            if (change.Kind != TreeChangeKind.Renamed)
                continue;
            if (before.GetValueOrDefault(change.OldPath!) is not { } was || after.GetValueOrDefault(change.Path) is not { } now)
                problems.Add($"R {change.OldPath} -> {change.Path}: a name missing at its moment");
            else if (was.Inode != now.Inode)
                problems.Add($"R {change.OldPath} -> {change.Path}: inode {was.Inode}, then {now.Inode}");
            else
                RequireFlags($"{change.OldPath} -> {change.Path}", was, now, change.Content, change.Metadata, problems);
        }
        Assert.True(problems.Count == 0, $"{pair}: the diff differs from the recorded trees in {problems.Count} places:\n  {string.Join("\n  ", problems.Take(15))}\nthe diff:\n  {string.Join("\n  ", changes.Take(40).Select(c => $"{c.Code} {c.OldPath} {c.Path}"))}");
    }

    private static void RequireFlags(string path, TreeSnapshotItem was, TreeSnapshotItem now, bool content, bool metadata, List<string> problems)
    {
        if (was.Content != now.Content && !content)
            problems.Add($"{path}: the content differs ({was.Content} / {now.Content}), but the diff has no M");
        var metadataDiffers = was.Metadata != now.Metadata || (!content && !now.IsDirectory && was.Mtime != now.Mtime);
        if (metadataDiffers != metadata)
            problems.Add($"{path}: the metadata {(metadataDiffers ? "differs" : "is the same")} ({was.Metadata} {was.Mtime} / {now.Metadata} {now.Mtime}), but the diff has {(metadata ? "" : "no ")}m");
        if (!content && !metadata && was.Content != now.Content)
            problems.Add($"{path}: unchanged in the diff, changed in the trees");
    }
}
