using System.Text.Json;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// A replicating mount of a directory that already held data: the baseline travels to the
/// target like every other transaction, and the target's mirror, built from nothing, ends up
/// equal to the backing directory.
/// </summary>
public sealed class PopulatedTreeReplicationTests(ITestOutputHelper output)
{
    [Fact]
    public void The_target_s_mirror_of_a_replicated_mount_of_a_populated_tree_converges_to_the_backing_directory()
    {
        using var rig = ReplicationRig.Create();
        var tree = ExistingTree.Build(rig.Backing, new ExistingTreeShape(Files: 1000, Levels: 3, Fanout: 3, LargeFileBytes: 8L << 20, Seed: 23));
        var serve = rig.StartServe(insecure: false);
        var mount = rig.StartMount(serve.Endpoint!);
        var workload = new ExistingTreeWorkload(rig.MountPoint, tree, seed: 6);
        workload.Run(threads: 3, operations: 150);
        var complete = BaselineStatus.WaitUntil(() => Status(rig.MountPoint), b => b.IsComplete, "the baseline's completion", ReplicationRig.Guard, () => rig.Logs);
        mount.Unmount();
        output.WriteLine($"{tree.Names} names; {complete}; workload: {workload}");

        rig.WaitForMirror();
        rig.AssertMirrorEqualsBacking();
    }

    private static JsonElement Status(string mountPoint)
    {
        var (exitCode, text) = MountDaemon.Run("status", mountPoint, "--json");
        Assert.True(exitCode == 0, $"vellum status exited with {exitCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
