namespace Vellum.Replication.Tests;

/// <summary>An unmount drains the journal and lets connected targets take its last records before the daemon exits.</summary>
public sealed class UnmountTests
{
    [Fact]
    public void After_an_unmount_a_connected_target_already_holds_the_journal_s_last_records()
    {
        using var rig = ReplicationRig.Create();
        var serve = rig.StartServe(insecure: true);
        var mount = rig.StartMount(serve.Endpoint!);
        Assert.True(mount.WaitForSessions(1, ReplicationRig.Guard), $"no replication session\n{rig.Logs}");

        // Written faster than they are shipped, nothing fsynced, and the unmount at once: the
        // sender is behind, and the last records may still be in the FIFO.
        var chunk = new byte[1 << 20];
        new Random(3).NextBytes(chunk);
        using (var file = new FileStream(Path.Combine(rig.MountPoint, "large"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (var i = 0; i < 768; i++)
                file.Write(chunk);
        }
        for (var i = 0; i < 50; i++)
            File.WriteAllText(Path.Combine(rig.MountPoint, $"file-{i}"), $"content {i}");
        mount.UnmountAtOnce();

        Assert.Null(ReplicationRig.StoreDifference(rig.Journal, rig.ReplicaStore));
    }
}
