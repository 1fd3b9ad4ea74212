using System.Net;
using System.Security.Cryptography;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// A serve node and a replicating mount, both composed by the host in this process: what real
/// programs write through the mount reaches the node's replica store over TLS, and its mirror
/// equals the backing directory once the mount has stopped.
/// </summary>
public sealed class ServeNodeTests
{
    [Fact]
    public void A_serve_node_in_process_receives_a_replicating_mount_and_its_mirror_equals_the_backing_directory()
    {
        using var workspace = new Workspace();
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        var store = Path.Combine(workspace.Root, "store");
        var mirrors = Path.Combine(workspace.Root, "mirrors");
        var serveLog = new CapturedLog();
        using var node = StartNode(store, mirrors, secrets, serveLog);
        Assert.NotNull(node.Fingerprint);
        serveLog.WaitFor($"created a self-signed certificate in {store}/tls", TimeSpan.Zero);
        serveLog.WaitFor($"listening on {node.Endpoint} (TLS, certificate {node.Fingerprint}); journals in {store}, mirrors in {mirrors}", TimeSpan.Zero);

        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint), insecure: false, forceInsecure: false);
        Guid journalId;
        using (var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], secretFile) }))
        {
            journalId = host.Journal!.Header.JournalId;
            workspace.RunInMount("""
                mkdir -p src/lib
                for i in $(seq 1 50); do echo "line $i" > src/lib/f$i.txt; done
                head -c 2000000 /dev/urandom > blob
                mv src/lib src/moved
                rm src/moved/f7.txt
                sync blob
                """);
            Assert.True(SpinWait.SpinUntil(() => host.Senders.Single().Connected, Workspace.Patience), $"no replication session\n{workspace.Log.Text}\n{serveLog.Text}");
            host.Stop();
            Assert.False(host.StoppedWithoutWaiting);
        }

        ulong last;
        using (var journal = SegmentStore.OpenReadOnly(workspace.Journal))
            last = journal.LastTransactionId;
        Assert.True(
            SpinWait.SpinUntil(() => node.MirrorApplied(journalId) >= last, Workspace.Patience),
            $"the mirror reached transaction {node.MirrorApplied(journalId)} of {last}\n{workspace.Log.Text}\n{serveLog.Text}");
        Assert.Equal(journalId, node.Journals.Single().Id);

        workspace.AssertJournalReplaysToBacking();
        var mirror = Path.Combine(mirrors, journalId.ToString("D"));
        // The mirror's root has the backing root's mode too: the baseline journals it.
        TreeComparison.AssertEqual(workspace.Backing, mirror);
    }

    /// <summary>
    /// One writer per replica, the serve node's mirror included: while another writer holds
    /// its replica it waits and says why, takes over once that one ends, and then refuses a
    /// second writer (what `vellum mirror` on the same directory would be) itself.
    /// </summary>
    [Fact]
    public void A_serve_node_mirror_waits_for_another_writer_of_its_replica_then_refuses_one_while_it_runs()
    {
        using var workspace = new Workspace();
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        var store = Path.Combine(workspace.Root, "store");
        var mirrors = Path.Combine(workspace.Root, "mirrors");
        Guid journalId;
        using (var first = MountHost.Start(workspace.JournaledMount()))
        {
            journalId = first.Journal!.Header.JournalId;
            workspace.RunInMount("mkdir early && echo one > early/a");
            first.Stop();
        }
        var mirror = Directory.CreateDirectory(Path.Combine(mirrors, journalId.ToString("D"))).FullName;
        var serveLog = new CapturedLog();
        using var node = StartNode(store, mirrors, secrets, serveLog);
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);

        var otherWriter = Mirror.ReplicaLock.Acquire(mirror);
        using (var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], secretFile) }))
        {
            workspace.RunInMount("""
                for i in $(seq 1 30); do echo "line $i" > early/f$i; done
                mv early later
                chmod 0600 later/f3
                sync later/f3
                """);
            Assert.True(
                SpinWait.SpinUntil(() => node.MirrorProblem(journalId)?.StartsWith($"the replica {mirror} is in use: pid {Environment.ProcessId} (", StringComparison.Ordinal) == true, Workspace.Patience),
                $"the node's mirror says: {node.MirrorProblem(journalId)}\n{serveLog.Text}");
            Assert.Equal(0UL, node.MirrorApplied(journalId));
            serveLog.WaitFor($"the mirror {mirror} waits: the replica {mirror} is in use", Workspace.Patience);
            otherWriter.Dispose();
            host.Stop();
        }

        ulong last;
        using (var journal = SegmentStore.OpenReadOnly(workspace.Journal))
            last = journal.LastTransactionId;
        Assert.True(
            SpinWait.SpinUntil(() => node.MirrorApplied(journalId) >= last, Workspace.Patience),
            $"the mirror reached transaction {node.MirrorApplied(journalId)} of {last}\n{serveLog.Text}");
        Assert.Null(node.MirrorProblem(journalId));
        serveLog.WaitFor($"the mirror {mirror} applies again: the other writer of the replica ended", TimeSpan.Zero);
        var refused = Assert.Throws<Mirror.ReplicaLockedException>(() => Mirror.MirrorRunner.Open(Path.Combine(store, journalId.ToString("D")), mirror));
        Assert.Equal(Environment.ProcessId, refused.Holder?.ProcessId);
        TreeComparison.AssertEqual(workspace.Backing, mirror);
    }

    private static ServeNode StartNode(string store, string mirrors, string secrets, CapturedLog log) => ServeNode.Start(new ServeNodeOptions
    {
        StoreDirectory = store,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        SecretsFile = secrets,
        MirrorDirectory = mirrors,
        LoggerFactory = log,
    });
}
