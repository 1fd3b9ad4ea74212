using System.Net;
using System.Security.Cryptography;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// The case: one flipped bit in the middle of a sealed segment of a mount's journal.
/// The mount's scrub reports it (and the next mount's first line would), and a repair from the
/// `vellum serve` copy the mount replicated to, over the fetch session, heals it: the journal
/// replays whole again and equals its replica byte for byte.
/// </summary>
public sealed class DamageRepairTests
{
    [Fact]
    public async Task A_flipped_bit_in_a_sealed_segment_is_reported_by_the_mount_and_healed_from_a_serve_copy_after_which_the_replay_completes()
    {
        using var workspace = new Workspace();
        using var served = new ReplicatedJournal(workspace);
        var (target, replica) = (served.Target, served.Replica);
        var damaged = StoreFiles.List(workspace.Journal)[1].Path;
        FlipBitInTheMiddle(damaged);

        using (var host = MountHost.Start(workspace.JournaledMount() with { ScrubInterval = TimeSpan.FromDays(1) }))
        {
            Assert.True(host.Journal!.Recovery.IsClean, "opening reads only the checkpoints and the newest segment");
            Assert.True(SpinWait.SpinUntil(() => host.Scrubber!.Status.Damage.Count > 0, Workspace.Patience), $"the scrub found nothing\n{workspace.Log.Text}");
            Assert.Equal(damaged, Assert.Single(host.Scrubber!.Status.Damage).File);
            workspace.Log.WaitFor($"the journal {workspace.Journal} is DAMAGED: {Path.GetFileName(damaged)}", Workspace.Patience);
            host.Stop();
        }
        Assert.Single(DamageRecord.Load(workspace.Journal));

        StoreRepairReport report;
        await using (var copy = new RemoteStoreCopy(target, served.Secret))
            report = await StoreRepair.RunAsync(workspace.Journal, [copy]);

        var outcome = Assert.Single(report.Damaged);
        Assert.Equal(damaged, outcome.Found.File);
        Assert.Equal(target.ToString(), outcome.RepairedFrom);
        served.Log.WaitFor($"serving ranges of this copy (a fetch session, for a repair)", TimeSpan.Zero);
        foreach (var (_, path) in StoreFiles.List(workspace.Journal))
        {
            // The target's store is open: its newest segment may end with zeros written ahead (its runway), never data.
            var source = File.ReadAllBytes(path);
            var copied = File.ReadAllBytes(Path.Combine(replica.Directory, Path.GetFileName(path)));
            Assert.Equal(source, copied[..source.Length]);
            Assert.DoesNotContain(copied[source.Length..], b => b != 0);
        }
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public void A_replicating_mount_heals_a_flipped_bit_its_scrub_finds_from_its_target_by_itself()
    {
        using var workspace = new Workspace();
        using var served = new ReplicatedJournal(workspace);
        var (target, replica, replicating) = (served.Target, served.Replica, served.Replicating);
        var damaged = StoreFiles.List(workspace.Journal)[0].Path;
        FlipBitInTheMiddle(damaged);

        using (var host = MountHost.Start(replicating))
        {
            workspace.Log.WaitFor($"{damaged} healed from the copy at {target}: it verifies whole again", Workspace.Patience);
            Assert.True(SpinWait.SpinUntil(() => host.Scrubber!.Status.Damage.Count == 0, Workspace.Patience), "the scrub still reports the damage");
            workspace.RunInMount("echo after > after-healing");
            host.Stop();
        }
        Assert.Empty(DamageRecord.Load(workspace.Journal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(replica.Directory, Path.GetFileName(damaged))), File.ReadAllBytes(damaged));
        workspace.AssertJournalReplaysToBacking();
    }

    [Fact]
    public async Task A_serve_target_refuses_to_be_a_copy_of_a_journal_it_does_not_hold()
    {
        using var workspace = new Workspace();
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        using var node = ServeNode.Start(new ServeNodeOptions
        {
            StoreDirectory = Path.Combine(workspace.Root, "store"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            SecretsFile = secrets,
        });
        using (var host = MountHost.Start(workspace.JournaledMount()))
        {
            workspace.RunInMount("echo a > a");
            host.Stop();
        }
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);

        await using var copy = new RemoteStoreCopy(target, System.Text.Encoding.UTF8.GetBytes(secret));
        var refused = await Assert.ThrowsAsync<StoreRepairException>(() => StoreRepair.RunAsync(workspace.Journal, [copy]));

        Assert.True(refused.OtherJournal);
        Assert.Contains("this target holds no copy of it", refused.Message, StringComparison.Ordinal);
        Assert.Empty(node.Journals);
    }

    /// <summary>
    /// A serve node over TLS and a journal replicated to it by a mount that wrote about 1,000
    /// transactions over 140 MB (two sealed segments of 64 MiB and a newest one), stopped once
    /// the target holds all of it durably.
    /// </summary>
    private sealed class ReplicatedJournal : IDisposable
    {
        private readonly ServeNode _node;

        public ReplicatedJournal(Workspace workspace)
        {
            var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            Secret = System.Text.Encoding.UTF8.GetBytes(secret);
            var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
            var secretFile = workspace.PrivateFile("secret", secret + "\n");
            _node = ServeNode.Start(new ServeNodeOptions
            {
                StoreDirectory = Path.Combine(workspace.Root, "store"),
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                SecretsFile = secrets,
                LoggerFactory = Log,
            });
            Target = ReplicationTarget.Parse($"tcp://127.0.0.1:{_node.Endpoint.Port}", ServerPin.Fingerprint(_node.Fingerprint!), insecure: false, forceInsecure: false);
            Replicating = workspace.JournaledMount() with { Replication = new MountReplicationOptions([Target], secretFile) };
            using (var host = MountHost.Start(Replicating))
            {
                workspace.RunInMount("for i in $(seq 1 1000); do head -c 140000 /dev/urandom > f$i; done");
                host.Stop();
            }
            var segments = StoreFiles.List(workspace.Journal);
            Assert.True(segments.Count >= 3, $"the workload filled {segments.Count} segment(s)");
            var written = segments[^1].Start + new FileInfo(segments[^1].Path).Length;
            Replica = _node.Journals.Single().Store;
            Assert.True(SpinWait.SpinUntil(() => Replica.DurablePosition >= written, Workspace.Patience), $"the target holds {Replica.DurablePosition} of {written}\n{Log.Text}");
        }

        public CapturedLog Log { get; } = new();

        public byte[] Secret { get; }

        public ReplicationTarget Target { get; }

        public MountHostOptions Replicating { get; }

        /// <summary>The target's copy of the journal.</summary>
        public SegmentStore Replica { get; }

        public void Dispose() => _node.Dispose();
    }

    private static void FlipBitInTheMiddle(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length / 2;
        var value = file.ReadByte();
        file.Position = file.Length / 2;
        file.WriteByte((byte)(value ^ 0x10));
    }
}
