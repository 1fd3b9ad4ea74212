using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Recording.Tests;

/// <summary>
/// Between two mounts the backing directory may be changed directly: the next mount finds each
/// change and journals it, so the journal again describes the backing directory; and a mount
/// after a clean unmount of an unchanged tree finds nothing and records nothing.
/// </summary>
public sealed class OutsideChangeTests(ITestOutputHelper output)
{
    [Fact]
    public void Changes_made_in_the_backing_directory_while_no_mount_ran_are_found_at_the_next_mount_and_replayed()
    {
        using var mount = JournaledMount.Prepare();
        var tree = ExistingTree.Build(mount.Backing, ExistingTreeShape.Small(seed: 21));
        mount.Mount();
        mount.WaitForBaseline(b => b.IsComplete, "the first baseline's completion");
        mount.Unmount();
        var changed = OutsideChanges.Make(tree);

        mount.Mount();
        // Programs use the mount at once, while it still looks for what changed.
        var load = new Thread(() => new ExistingTreeWorkload(mount.MountPoint, tree, seed: 4).Run(threads: 3, operations: 100));
        load.Start();
        var found = mount.WaitForBaseline(b => b.IsComplete, "the recording of what changed while no mount ran");
        var startLog = mount.StartLog;
        load.Join();
        mount.Unmount();
        output.WriteLine($"after the outside changes: {found}");
        output.WriteLine(string.Join('\n', startLog.Take(20)));

        Assert.True(found.FoundChanges > 0, $"the mount found no change: {found}\n{string.Join('\n', startLog)}");
        Assert.True(found.CheckedObjects >= tree.Directories.Count, $"the check looked at only {found.CheckedObjects} objects of {tree.Names}");
        var named = startLog.Take(40).FirstOrDefault(line => changed.Any(path => line.Contains(path, StringComparison.Ordinal)));
        Assert.True(named is not null, $"the mount's first lines name none of the paths changed while no mount ran:\n{string.Join('\n', startLog.Take(40))}");
        Replay.AssertEqualsBacking(mount);
    }

    [Fact]
    public void A_mount_after_a_clean_unmount_of_an_unchanged_tree_records_nothing()
    {
        using var mount = JournaledMount.Prepare();
        var tree = ExistingTree.Build(mount.Backing, ExistingTreeShape.Small(seed: 22));
        mount.Mount();
        // Changes through the mount too: what the journal last recorded is then theirs, not the baseline's.
        new ExistingTreeWorkload(mount.MountPoint, tree, seed: 5).Run(threads: 3, operations: 100);
        mount.WaitForBaseline(b => b.IsComplete, "the first baseline's completion");
        mount.Unmount();
        var recorded = mount.BaselineOperations();

        mount.Mount();
        var second = mount.WaitForBaseline(b => b.State is not (BaselineStatus.Checking or BaselineStatus.Running), "the end of the start-up check");
        mount.Unmount();
        output.WriteLine($"first mount: {recorded} baseline operations; second mount: {second}");

        Assert.True(recorded > tree.Directories.Count, $"only {recorded} baseline operations for {tree.Names} names");
        Assert.True(second.State is BaselineStatus.Complete or "none", $"after the check: {second}");
        Assert.True(second.FoundChanges == 0, $"the second mount found changes in an unchanged tree: {second}\n{string.Join('\n', mount.StartLog)}");
        Assert.True(second.CheckedObjects >= tree.Directories.Count, $"the check looked at only {second.CheckedObjects} objects of {tree.Names}");
        Assert.Equal(recorded, mount.BaselineOperations());
        Replay.AssertEqualsBacking(mount);
    }
}
