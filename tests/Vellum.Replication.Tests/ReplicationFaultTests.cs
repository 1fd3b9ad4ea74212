using System.Diagnostics;
using Vellum.Native;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// Replication between real processes under faults: a replicating `vellum mount` streaming its
/// journal to `vellum serve --mirror`, with the link cut at random byte offsets, either end
/// killed with SIGKILL, and the target down under `--sync remote`. The proof each time is the
/// strongest there is: the target's replica store is the source's, file for file and byte for
/// byte (every transaction exactly once, in order, at the same position), and the target's
/// mirror rebuilt from it is the source's backing directory.
/// </summary>
public sealed class ReplicationFaultTests(ITestOutputHelper output)
{
    private const long MiB = 1 << 20;

    /// <remarks>Under TLS the cuts land in the TLS handshake, in the handshake inside it, and inside sealed frames.</remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Through_a_hundred_random_cuts_every_transaction_arrives_once_in_order_and_the_mirror_equals_the_backing(bool insecure)
    {
        const int WantedCuts = 100;
        const long WantedBytes = 300 * MiB;
        var clock = Stopwatch.StartNew();
        using var rig = ReplicationRig.Create();
        var serve = rig.StartServe(insecure);
        await using var proxy = new CuttingProxy(serve.Endpoint!, seed: 20260301);
        proxy.CutAfterRandomBytes(512 * 1024, 8 * MiB);
        rig.StartMount(proxy.Endpoint);

        var workload = new ReplicationWorkload(rig.MountPoint, seed: 1);
        while (true)
        {
            workload.Run(largeBytes: 64 * MiB, smallOperations: 600);
            if (workload.BytesWritten < WantedBytes)
                continue;
            // Replication runs behind the workload: let it catch up (still through cuts), and
            // write more only if the cuts are still too few.
            rig.SyncThroughMount();
            rig.WaitForIdenticalStores();
            if (proxy.Cuts >= WantedCuts)
                break;
            Assert.True(workload.BytesWritten < 4 * WantedBytes,
                $"only {proxy.Cuts} cuts after {workload.BytesWritten / MiB} MiB through the mount ({proxy.BytesForwarded / MiB} MiB through the proxy)\n{rig.Logs}");
        }
        var workloadDone = clock.Elapsed;
        proxy.StopCutting();
        rig.SyncThroughMount();
        rig.WaitForIdenticalStores();
        rig.Mount.Unmount();

        Assert.Null(ReplicationRig.StoreDifference(rig.Journal, rig.ReplicaStore));
        rig.WaitForMirror();
        rig.AssertMirrorEqualsBacking();
        Assert.True(proxy.Cuts >= WantedCuts, $"only {proxy.Cuts} cuts");
        var sessions = rig.Mount.Sessions;
        Assert.True(sessions > proxy.Cuts, $"{sessions} sessions for {proxy.Cuts} cuts: the source did not resume after each");
        output.WriteLine($"{workload.BytesWritten / MiB} MiB written in {workload.Operations} operations ({workload.Failures} failed), "
            + $"{proxy.Cuts} cuts, {sessions} sessions, {proxy.BytesForwarded / MiB} MiB through the proxy, "
            + $"store {StoreSize(rig.Journal) / MiB} MiB; workload and catch-up {workloadDone.TotalSeconds:0.0} s, total {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void After_sigkills_of_either_end_at_random_moments_the_target_holds_the_source_journal_and_mirrors_the_backing(bool insecure)
    {
        const int Kills = 10;
        var clock = Stopwatch.StartNew();
        var random = new Random(20260302);
        using var rig = ReplicationRig.Create();
        var serve = rig.StartServe(insecure);
        var mount = rig.StartMount(serve.Endpoint!);
        // Half the kills hit the target, half the source, in a seeded order.
        var victims = Enumerable.Range(0, Kills).Select(i => i % 2 == 0 ? "target" : "source").OrderBy(_ => random.Next()).ToList();

        var workload = new ReplicationWorkload(rig.MountPoint, seed: 2);
        var sessions = 1;
        var killedBehind = 0;
        var rounds = new List<string>();
        foreach (var victim in victims)
        {
            var (operationsBefore, failuresBefore) = (workload.Operations, workload.Failures);
            // Each round starts with replication running: a session since the last restart.
            Assert.True(mount.WaitForSessions(sessions, ReplicationRig.Guard), $"no replication session {sessions}\n{rig.Logs}");
            // The kill comes after a random number of the workload's operations (1 MiB chunks
            // and small changes), so in the middle of large writes, fsyncs and small transactions.
            var killAt = workload.Operations + 20 + random.Next(400);
            using var stop = new CancellationTokenSource();
            var load = new Thread(() => workload.Run(largeBytes: 64 * MiB, smallOperations: 5000, stop.Token)) { Name = "workload" };
            load.Start();
            try
            {
                Assert.True(workload.WaitForOperations(killAt, ReplicationRig.Guard), $"the workload did not reach operation {killAt}\n{rig.Logs}");
                if (StoreSize(rig.Journal) > StoreSize(rig.ReplicaStore))
                    killedBehind++;
                if (victim == "target")
                    serve.Kill();
                else
                    mount.Kill();
            }
            finally
            {
                stop.Cancel();
                load.Join();
            }
            rounds.Add($"{victim} killed after {workload.Operations - operationsBefore} operations ({workload.Failures - failuresBefore} failed)");
            if (victim == "target")
                serve.Start();
            else
                mount.Start();
            sessions++;
        }
        Assert.True(mount.WaitForSessions(sessions, ReplicationRig.Guard), $"no replication session {sessions}\n{rig.Logs}");
        workload.Run(largeBytes: 16 * MiB, smallOperations: 500);
        rig.SyncThroughMount();
        rig.WaitForIdenticalStores();
        mount.Unmount();

        Assert.Null(ReplicationRig.StoreDifference(rig.Journal, rig.ReplicaStore));
        rig.WaitForMirror();
        // The root's own mtime is the journal's only until a change in the root is journaled;
        // after a killed source it can be the backing directory's alone.
        rig.AssertMirrorEqualsBacking(new TreeComparisonOptions { IgnoreRootMtime = true });
        output.WriteLine(string.Join('\n', rounds));
        output.WriteLine($"{Kills} kills, {killedBehind} with the replica behind the source; "
            + $"{mount.Starts - mount.CleanStarts} of {mount.Starts} source starts repaired its journal, {mount.Sessions} sessions, "
            + $"{workload.BytesWritten / MiB} MiB written in {workload.Operations} operations ({workload.Failures} failed), "
            + $"store {StoreSize(rig.Journal) / MiB} MiB, {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void With_sync_remote_an_fsync_fails_with_EIO_after_the_timeout_while_the_target_is_down_and_its_data_arrives_later()
    {
        const double Timeout = 3;
        using var rig = ReplicationRig.Create();
        var serve = rig.StartServe(insecure: false);
        var mount = rig.StartMount(serve.Endpoint!, "--sync", "remote", "--remote-timeout", "3");
        Assert.True(mount.WaitForSessions(1, ReplicationRig.Guard), $"no replication session\n{rig.Logs}");

        var before = RandomBytes(300_000, seed: 1);
        var (beforeError, beforeTook) = WriteAndFsync(Path.Combine(rig.MountPoint, "before"), before);
        Assert.True(beforeError == Errno.Success, $"fsync failed with errno {beforeError} with the target up\n{rig.Logs}");

        serve.Kill();
        var after = RandomBytes(200_000, seed: 2);
        var (error, took) = WriteAndFsync(Path.Combine(rig.MountPoint, "after"), after);
        Assert.True(error == Errno.EIO, $"the fsync returned {(error == Errno.Success ? "success" : $"errno {error}")} after {took.TotalSeconds:0.00} s with the target down, not EIO\n{rig.Logs}");
        Assert.True(took >= TimeSpan.FromSeconds(Timeout - 0.5), $"the fsync failed after {took.TotalSeconds:0.00} s, before the {Timeout} s timeout");
        Assert.True(took < TimeSpan.FromSeconds(Timeout + 10), $"the fsync took {took.TotalSeconds:0.00} s for a {Timeout} s timeout");
        // The records stay in the local journal: the file is there through the mount.
        Assert.Equal(after, File.ReadAllBytes(Path.Combine(rig.MountPoint, "after")));

        serve.Start();
        rig.WaitForIdenticalStores();
        mount.Unmount();

        Assert.Null(ReplicationRig.StoreDifference(rig.Journal, rig.ReplicaStore));
        rig.WaitForMirror();
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(rig.MirrorRoot, "before")));
        Assert.Equal(after, File.ReadAllBytes(Path.Combine(rig.MirrorRoot, "after")));
        rig.AssertMirrorEqualsBacking();
        output.WriteLine($"fsync with the target up: {beforeTook.TotalMilliseconds:0} ms; with it down: failed with EIO after {took.TotalSeconds:0.00} s");
    }

    /// <summary>Writes <paramref name="data"/> to a new file, then fsyncs it: the fsync's errno (<see cref="Errno.Success"/> when it succeeded) and how long it took.</summary>
    private static (Errno Errno, TimeSpan Took) WriteAndFsync(string path, byte[] data)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        file.Write(data);
        var clock = Stopwatch.StartNew();
        var errno = LibC.FSync(file.SafeFileHandle);
        return (errno, clock.Elapsed);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static long StoreSize(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*.vseg").Sum(f => f.Length) : 0;
}
