using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Host.Tests;

/// <summary>
/// Problems at the far end are visible at the near end: a serve node and a replicating mount in
/// this process over real sockets, the mount's `vellum status` asked over its socket as the CLI
/// asks it. A wrong secret, a target whose mirror stopped and a target whose disk is full each
/// show in words, with what to do, and the source's log says each change once.
/// </summary>
public sealed class FarEndStatusTests(ITestOutputHelper output)
{
    [Fact]
    public void A_wrong_secret_shows_authentication_failed_in_status_and_the_source_asks_less_and_less_often()
    {
        using var workspace = new Workspace();
        var refusals = new ConcurrentQueue<DateTime>();
        var serveLog = new CapturedLog(line =>
        {
            if (line.Contains(": wrong secret; disconnected", StringComparison.Ordinal))
                refusals.Enqueue(DateTime.UtcNow);
        });
        using var node = StartNode(workspace, serveLog, Secret(), mirrors: false);
        // Short waits, growing as the default's do (5 s, 15 s, 1 min, 5 min), so the test sees several.
        var backoff = new[] { TimeSpan.FromSeconds(0.3), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.7) };
        using var host = StartMount(workspace, node, Secret(), backoff);

        var replica = WaitForReplica(workspace, replica => replica.State == "authentication_failed", serveLog);
        output.WriteLine(Words(replica));
        Assert.StartsWith("AUTHENTICATION FAILED since ", replica.Words[0], StringComparison.Ordinal);
        Assert.Contains($"the target refused journal {host.Journal!.Header.JournalId}: authentication failed", replica.LastError);
        Assert.StartsWith("what to do: give this mount the secret", replica.Words[^1], StringComparison.Ordinal);
        Assert.Contains("--secret-file", replica.Words[^1]);
        Assert.False(replica.Connected);
        Assert.NotNull(replica.NextAttemptSeconds);

        // Counted where they arrive: the target's refusals, and the time between them.
        Assert.True(SpinWait.SpinUntil(() => refusals.Count >= 4, Workspace.Patience), $"{refusals.Count} attempts\n{workspace.Log.Text}\n{serveLog.Text}");
        var times = refusals.Take(4).ToArray();
        var gaps = times.Zip(times.Skip(1), (earlier, later) => later - earlier).ToArray();
        output.WriteLine(string.Join(", ", gaps.Select(gap => $"{gap.TotalSeconds:0.00} s")));
        // Each wait at least its step, and the first well below the last: a connection's own time
        // under load (TLS, a busy machine) lengthens a gap, so gaps are not compared with each other.
        Assert.True(gaps.Zip(backoff).All(pair => pair.First >= pair.Second) && gaps[0] < backoff[2], $"the intervals did not grow as {string.Join(", ", backoff)}: {string.Join(", ", gaps)}");

        // Said once as a warning, though refused four times and more.
        var warnings = workspace.Log.Entries.Where(entry => entry.Level == LogLevel.Warning && entry.Message.Contains("authentication failed", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("--secret-file", warnings[0].Message);
        Assert.True(replica.Attempts >= 1);
        Assert.Equal(0, host.Senders.Single().Sessions);
    }

    [Fact]
    public void A_target_whose_mirror_stopped_shows_mirror_stopped_with_its_reason_and_how_far_it_is_behind()
    {
        using var workspace = new Workspace();
        var serveLog = new CapturedLog();
        var secret = Secret();
        using var node = StartNode(workspace, serveLog, secret, mirrors: true);
        using var host = StartMount(workspace, node, secret);
        var journalId = host.Journal!.Header.JournalId;
        workspace.RunInMount("mkdir a && echo one > a/x && sync a/x");
        var current = WaitForReplica(workspace, replica => replica.Mirror == "following" && replica.NetworkBehindBytes == 0 && replica.MirrorBehindTransactions == 0 && replica.MirrorApplied > 0, serveLog);
        output.WriteLine(Words(current));
        Assert.Contains("received all", current.Words[0]);
        Assert.Contains("mirror current", current.Words[0]);
        Assert.Single(current.Words);

        // Someone replaces a directory of the mirror with a symlink: the mirror refuses to pass through it.
        var mirror = Path.Combine(workspace.Root, "mirrors", journalId.ToString("D"));
        Directory.Delete(Path.Combine(mirror, "a"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(mirror, "a"), workspace.Root);
        workspace.RunInMount("echo two > a/y && for i in $(seq 1 20); do echo $i > a/f$i; done && sync a/y");

        var stopped = WaitForReplica(workspace, replica => replica.Mirror == "stopped" && replica.NetworkBehindBytes == 0 && replica.MirrorBehindTransactions >= 20, serveLog);
        output.WriteLine(Words(stopped));
        Assert.Equal("connected", stopped.State);
        Assert.Contains("MIRROR STOPPED: ", stopped.Words[0]);
        Assert.Contains("received all", stopped.Words[0]);
        Assert.Contains("symlink", stopped.MirrorProblem);
        Assert.Contains("mirror behind by ", stopped.Words[0]);
        Assert.StartsWith("what to do: ", stopped.Words[^1], StringComparison.Ordinal);
        // The target's own paths stay there: the reason names its mirror directory as MIRROR.
        Assert.DoesNotContain(workspace.Root, stopped.MirrorProblem);
        var said = workspace.Log.WaitFor("the target's mirror of journal", Workspace.Patience);
        Assert.Matches("stopped after transaction [0-9]+: transaction [0-9]+: path .a/y. passes through a symlink", said);
        Assert.Single(workspace.Log.Entries, entry => entry.Message.Contains("the target's mirror of journal", StringComparison.Ordinal));
    }

    [Fact]
    public void A_target_whose_disk_is_full_shows_disk_full_and_recovers_once_there_is_room()
    {
        using var workspace = new Workspace();
        var store = Directory.CreateDirectory(Path.Combine(workspace.Root, "store")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", store);
        try
        {
            var serveLog = new CapturedLog();
            var secret = Secret();
            using var node = StartNode(workspace, serveLog, secret, mirrors: false);
            using (var host = StartMount(workspace, node, secret))
            {
                workspace.RunInMount("head -c 32000000 /dev/urandom > big && sync big");

                var full = WaitForReplica(workspace, replica => replica.State == "disk_full", serveLog);
                output.WriteLine(Words(full));
                Assert.StartsWith("DISK FULL AT THE TARGET since ", full.Words[0], StringComparison.Ordinal);
                Assert.Contains("the target's disk is full at store position", full.LastError);
                Assert.Contains("network behind by ", full.Words[0]);
                Assert.StartsWith("what to do: free space on the target's store filesystem", full.Words[^1], StringComparison.Ordinal);
                Assert.True(full.TargetDiskFull);

                Run("mount", "-o", "remount,size=128m", store);
                var recovered = WaitForReplica(workspace, replica => replica.State == "connected" && replica.NetworkBehindBytes == 0, serveLog);
                output.WriteLine(Words(recovered));
                Assert.False(recovered.TargetDiskFull);
                Assert.Contains("received all", recovered.Words[0]);
                Assert.Single(recovered.Words);
                Assert.Single(workspace.Log.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("disk is full", StringComparison.Ordinal));
                workspace.Log.WaitFor("connected again, after ", TimeSpan.Zero);
                host.Stop();
            }
        }
        finally
        {
            // Lazily: the node may still hold its files open here when the test failed.
            Run("umount", "-l", store);
        }
    }

    /// <summary>Polls the mount's status, as `vellum status` asks it, until its one replica is as wanted; fails with the last one seen after the patience.</summary>
    private static ReplicaStatusReply WaitForReplica(Workspace workspace, Func<ReplicaStatusReply, bool> wanted, CapturedLog serveLog)
    {
        var clock = Stopwatch.StartNew();
        ReplicaStatusReply? last = null;
        while (clock.Elapsed < Workspace.Patience)
        {
            last = MountStatusClient.Ask(workspace.MountPoint)?.Status.Replicas.Single();
            if (last is not null && wanted(last))
                return last;
            // Waiting for a state nothing announces to this process but the status itself.
            Thread.Sleep(50);
        }
        Assert.Fail($"the status never showed the state wanted; last: {last}\n{workspace.Log.Text}\n{serveLog.Text}");
        return null!;
    }

    private static string Words(ReplicaStatusReply replica) => string.Join("\n", replica.Words);

    private static string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static ServeNode StartNode(Workspace workspace, CapturedLog log, string secret, bool mirrors) => ServeNode.Start(new ServeNodeOptions
    {
        StoreDirectory = Path.Combine(workspace.Root, "store"),
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        SecretsFile = workspace.PrivateFile("secrets", $"* {secret}\n"),
        MirrorDirectory = mirrors ? Path.Combine(workspace.Root, "mirrors") : null,
        LoggerFactory = log,
    });

    /// <summary>A replicating mount of the workspace to <paramref name="node"/>, pinned to its certificate, with <paramref name="secret"/> (the node's, or not).</summary>
    private static MountHost StartMount(Workspace workspace, ServeNode node, string secret, IReadOnlyList<TimeSpan>? authenticationBackoff = null)
    {
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        return MountHost.Start(workspace.JournaledMount() with
        {
            Replication = new MountReplicationOptions([target], secretFile)
            {
                AuthenticationBackoff = authenticationBackoff ?? ReplicationSender.DefaultAuthenticationBackoff,
            },
        });
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
