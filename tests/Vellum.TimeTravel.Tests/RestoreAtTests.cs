using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Vellum.Host;
using Vellum.Native;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.TimeTravel.Tests;

/// <summary>
/// `restore --at` against what really happened: a multi-threaded workload of every kind of
/// change through a journaled mount of a populated tree is paused at many moments, and the
/// backing tree recorded at each (names, types, modes, owners, ns mtimes, xattrs, content,
/// holes, hard links). Restores of each moment, by transaction id and by time, from the live
/// mount's journal and from a serve node's copy of it, must equal what was recorded.
/// </summary>
public sealed class RestoreAtTests(ITestOutputHelper output)
{
    private const int Moments = 22;

    private sealed record RecordedMoment(ulong TransactionId, DateTimeOffset Time, TreeSnapshot Tree)
    {
        public string TimeText => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Every_moment_of_a_workload_restores_equal_to_its_recorded_tree_by_txid_and_by_time_from_the_live_journal_and_from_a_serve_replica()
    {
        using var workspace = new Workspace();
        var tree = ExistingTree.Build(workspace.Backing, ExistingTreeShape.Small(seed: 22));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        var serveStore = Path.Combine(workspace.Root, "serve");
        var serveLog = new CapturedLog();
        using var node = ServeNode.Start(new ServeNodeOptions
        {
            StoreDirectory = serveStore,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            SecretsFile = secrets,
            LoggerFactory = serveLog,
        });
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        var moments = new List<RecordedMoment>();
        Guid journalId;
        ulong last;
        using (var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], secretFile) }))
        {
            journalId = host.Journal!.Header.JournalId;
            Assert.True(Poll.Until(() => host.Journal.Baseline.State == Recording.Baseline.BaselineState.Complete, Workspace.Patience), $"the baseline did not complete\n{workspace.Log.Text}");
            var workload = new ExistingTreeWorkload(workspace.MountPoint, tree, seed: 5);
            for (var round = 0; round < Moments; round++)
            {
                workload.Run(threads: 3, operations: 12);
                moments.Add(Pause(host, workspace));
            }
            output.WriteLine($"workload: {workload}");
            output.WriteLine($"moments: {string.Join(", ", moments.Select(m => m.TransactionId))}");
            Assert.True(moments.Select(m => m.TransactionId).Distinct().Count() >= 20, "fewer than 20 distinct moments");

            // From the live mount's own journal, while the workload goes on changing the tree through it.
            var live = StoreTimeline.Read(workspace.Journal);
            using (var stop = new CancellationTokenSource())
            {
                var busy = new Thread(() => workload.Run(threads: 1, operations: int.MaxValue, stop.Token));
                busy.Start();
                try
                {
                    foreach (var (moment, i) in moments.Select((m, i) => (m, i)))
                    {
                        var byId = RestoreAndCompare(workspace.Journal, live, Moment.Parse($"txid:{moment.TransactionId}"), moment, Path.Combine(workspace.Root, $"id-{i}"));
                        Assert.Equal(moment.TransactionId, byId.TransactionId);
                        var byTime = RestoreAndCompare(workspace.Journal, live, Moment.Parse(moment.TimeText), moment, Path.Combine(workspace.Root, $"time-{i}"));
                        Assert.Equal(byId, byTime);
                    }
                }
                finally
                {
                    stop.Cancel();
                    busy.Join();
                }
            }
            var quiet = Pause(host, workspace);
            Assert.True(quiet.TransactionId > moments[^1].TransactionId, "the workload changed nothing while the restores ran");
            output.WriteLine($"workload, with the changes made during the restores: {workload}");
            RequireTheCommandLine(workspace, StoreTimeline.Read(workspace.Journal), moments);
            RequireASubtreeRestore(workspace, host);
            last = host.Journal.Status().LastTransactionId;
            host.Stop();
        }

        // The serve node's copy: the same restores.
        var replica = Path.Combine(serveStore, journalId.ToString("D"));
        Assert.True(Poll.Until(() => LastIn(replica) >= last, Workspace.Patience), $"the serve store reached transaction {LastIn(replica)} of {last}\n{serveLog.Text}");
        var copy = StoreTimeline.Read(replica);
        foreach (var (moment, i) in moments.Select((m, i) => (m, i)).Where(p => p.i % 3 == 0))
        {
            RestoreAndCompare(replica, copy, Moment.Parse($"txid:{moment.TransactionId}"), moment, Path.Combine(workspace.Root, $"replica-id-{i}"));
            RestoreAndCompare(replica, copy, Moment.Parse(moment.TimeText), moment, Path.Combine(workspace.Root, $"replica-time-{i}"));
        }
        var json = Vellum.Run("restore", replica, "--at", $"txid:{moments[^1].TransactionId}", "--to", Path.Combine(workspace.Root, "replica-cli"), "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        RequireEqual(moments[^1], Path.Combine(workspace.Root, "replica-cli"));
    }

    /// <summary>The workload has stopped: every change is in the journal once an fsync of the mount's root returns; the tree is recorded, then the time.</summary>
    private static RecordedMoment Pause(MountHost host, Workspace workspace)
    {
        var id = workspace.Settle(host);
        var snapshot = TreeComparison.Snapshot(workspace.Backing);
        return new RecordedMoment(id, DateTimeOffset.UtcNow, snapshot);
    }

    private ResolvedMoment RestoreAndCompare(string store, StoreTimeline timeline, Moment at, RecordedMoment expected, string directory)
    {
        var resolved = timeline.Resolve(at, DateTimeOffset.Now);
        Assert.True(resolved.TransactionId <= expected.TransactionId, $"{at} resolved to {resolved}, after the recorded moment's transaction {expected.TransactionId}");
        var summary = TreeRestore.Run(store, resolved, directory);
        Assert.Equal(resolved, summary.Moment);
        RequireEqual(expected, directory);
        TreeRemoval.Delete(directory);
        return resolved;
    }

    private static void RequireEqual(RecordedMoment expected, string directory)
    {
        var differences = TreeComparison.Compare(expected.Tree, directory);
        Assert.True(differences.Count == 0, $"the restore of txid:{expected.TransactionId} ({expected.TimeText}) differs in {differences.Count} places:\n  {string.Join("\n  ", differences.Take(10))}");
    }

    /// <summary>The program itself on the live journal: the moment it resolved to, refusals with the exact range, a non-empty directory refused.</summary>
    private void RequireTheCommandLine(Workspace workspace, StoreTimeline live, List<RecordedMoment> moments)
    {
        var middle = moments[moments.Count / 2];
        var to = Path.Combine(workspace.Root, "cli");
        var restored = Vellum.Run("restore", workspace.Journal, "--at", middle.TimeText, "--to", to, "--json");
        output.WriteLine(restored.ToString());
        Assert.True(restored.ExitCode == 0, restored.ToString());
        using (var summary = JsonDocument.Parse(restored.Output))
        {
            Assert.Equal(middle.TransactionId, summary.RootElement.GetProperty("txid").GetUInt64());
            Assert.True(summary.RootElement.GetProperty("files").GetInt64() > 0);
            Assert.Contains($"--at {middle.TimeText} is txid:{middle.TransactionId} (", restored.Error, StringComparison.Ordinal);
        }
        RequireEqual(middle, to);

        var notEmpty = Vellum.Run("restore", workspace.Journal, "--at", "txid:" + middle.TransactionId, "--to", to);
        Assert.True(notEmpty.ExitCode == 3 && notEmpty.Error.Contains($"--to {to} is not empty; restore into a new or empty directory", StringComparison.Ordinal), notEmpty.ToString());

        var range = $"can restore exactly {live.Range}";
        Assert.True(live.BaselineComplete!.Value.TransactionId > 1, $"the baseline completed at {live.BaselineComplete}");
        var early = Vellum.Run("restore", workspace.Journal, "--at", "txid:1", "--to", Path.Combine(workspace.Root, "early"));
        Assert.True(early.ExitCode == 1 && early.Error.Contains("before the journal's baseline completed", StringComparison.Ordinal) && early.Error.Contains(range, StringComparison.Ordinal), early.ToString());
        var beyond = Vellum.Run("restore", workspace.Journal, "--at", $"txid:{live.Newest!.Value.TransactionId + 1000}", "--to", Path.Combine(workspace.Root, "beyond"));
        Assert.True(beyond.ExitCode == 1 && beyond.Error.Contains("after the last transaction the store holds", StringComparison.Ordinal) && beyond.Error.Contains(range, StringComparison.Ordinal), beyond.ToString());
        var future = Vellum.Run("restore", workspace.Journal, "--at", DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "--to", Path.Combine(workspace.Root, "future"));
        Assert.True(future.ExitCode == 1 && future.Error.Contains("is in the future", StringComparison.Ordinal), future.ToString());
        var unparsable = Vellum.Run("restore", workspace.Journal, "--at", "last tuesday", "--to", Path.Combine(workspace.Root, "tuesday"));
        Assert.True(unparsable.ExitCode == 1 && unparsable.Error.Contains(Moment.AcceptedForms, StringComparison.Ordinal), unparsable.ToString());
        foreach (var refused in new[] { "early", "beyond", "future", "tuesday" })
            Assert.False(Path.Exists(Path.Combine(workspace.Root, refused)), $"a refused restore made {refused}");
        TreeRemoval.Delete(to);
    }

    /// <summary>A directory restored alone at the latest moment (the mount is quiet) equals that directory in the backing tree; a path that did not exist is refused.</summary>
    private static void RequireASubtreeRestore(Workspace workspace, MountHost host)
    {
        // The workload may have removed every directory it made (its remove-tree): one made here
        // through the mount is there at least, and the fullest the backing tree holds is restored.
        var made = Directory.CreateDirectory(Path.Combine(workspace.MountPoint, "made-for-the-subtree", "inner")).Parent!.FullName;
        File.WriteAllText(Path.Combine(made, "a"), "a subtree's file\n");
        File.WriteAllText(Path.Combine(made, "inner", "b"), "and one below\n");
        workspace.Settle(host);
        var directory = Path.GetRelativePath(workspace.Backing, new DirectoryInfo(workspace.Backing)
            .EnumerateDirectories("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .OrderByDescending(d => d.EnumerateFileSystemInfos().Count())
            .First().FullName);
        var to = Path.Combine(workspace.Root, "subtree");
        var restored = Vellum.Run("restore", workspace.Journal, "--at", "0s", "--to", to, "--path", directory);
        Assert.True(restored.ExitCode == 0, restored.ToString());
        // Names linked from outside the subtree have more links in the backing tree than in the restore.
        var differences = TreeComparison.Compare(Path.Combine(workspace.Backing, directory), Path.Combine(to, Path.GetFileName(directory)))
            .Where(d => d.Field is not "nlink" and not "hard links (first name sharing the inode)" || d.Path == ".")
            .ToList();
        Assert.True(differences.Count == 0, $"the restore of {directory} differs:\n  {string.Join("\n  ", differences.Take(10))}");
        Assert.Single(Directory.EnumerateFileSystemEntries(to));
        var missing = Vellum.Run("restore", workspace.Journal, "--at", "0s", "--to", Path.Combine(workspace.Root, "missing"), "--path", "no/such/file");
        Assert.True(missing.ExitCode == 1 && missing.Error.Contains("--path no/such/file: no did not exist at txid:", StringComparison.Ordinal), missing.ToString());
        TreeRemoval.Delete(to);
    }

    private static ulong LastIn(string store)
    {
        if (!Directory.Exists(store) || !Directory.EnumerateFiles(store, "*.vseg").Any())
            return 0;
        using var opened = SegmentStore.OpenReadOnly(store);
        return opened.LastTransactionId;
    }
}
