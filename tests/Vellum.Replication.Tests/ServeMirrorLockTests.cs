namespace Vellum.Replication.Tests;

/// <summary>
/// A `vellum serve --mirror` replica is written by the serve node's mirror alone: a `vellum
/// mirror` (or a verify) on the same directory, started while serve runs, is refused naming
/// serve, and the replica stays equal to the source.
/// </summary>
public sealed class ServeMirrorLockTests
{
    [Fact]
    public void A_vellum_mirror_of_the_directory_a_serve_node_mirrors_is_refused_naming_vellum_serve()
    {
        using var rig = ReplicationRig.Create();
        var serve = rig.StartServe(insecure: true);
        var mount = rig.StartMount(serve.Endpoint!);
        Assert.True(mount.WaitForSessions(1, ReplicationRig.Guard), $"no replication session\n{rig.Logs}");
        for (var i = 0; i < 200; i++)
            File.WriteAllText(Path.Combine(rig.MountPoint, $"file-{i % 40}"), $"content {i}");
        rig.SyncThroughMount();
        Assert.True(SpinWait.SpinUntil(() => ReplicationRig.MirrorPositionOf(rig.MirrorRoot) is not null, ReplicationRig.Guard), $"the serve node's mirror never started\n{rig.Logs}");

        var mirror = MountDaemon.Run("mirror", "--store", rig.ReplicaStore, "--to", rig.MirrorRoot);
        var verify = MountDaemon.Run("mirror", "--store", rig.ReplicaStore, "--to", rig.MirrorRoot, "--verify");

        Assert.True(mirror.ExitCode == 3, mirror.Output);
        Assert.StartsWith($"vellum mirror: the replica {rig.MirrorRoot} is in use: pid ", mirror.Output, StringComparison.Ordinal);
        Assert.Contains($" (vellum serve --store {rig.Store} ", mirror.Output, StringComparison.Ordinal);
        Assert.True(verify.ExitCode == 3, verify.Output);
        mount.Unmount();
        rig.WaitForMirror();
        rig.AssertMirrorEqualsBacking();
    }
}
