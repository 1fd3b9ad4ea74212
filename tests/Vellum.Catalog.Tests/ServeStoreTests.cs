using System.Net;
using System.Security.Cryptography;
using Vellum.Host;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Testing;

namespace Vellum.Catalog.Tests;

public sealed class ServeStoreTests
{
    [Fact]
    public void A_vellum_serve_store_gives_the_same_history_as_the_mounts_own_journal_while_serve_runs()
    {
        using var workspace = new Workspace();
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = Path.Combine(workspace.Root, "secrets");
        var secretFile = Path.Combine(workspace.Root, "secret");
        File.WriteAllText(secrets, $"* {secret}\n");
        File.WriteAllText(secretFile, secret + "\n");
        File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var serveLog = new CapturedLog();
        using var node = ServeNode.Start(new ServeNodeOptions
        {
            StoreDirectory = Path.Combine(workspace.Root, "store"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            SecretsFile = secrets,
            LoggerFactory = serveLog,
        });
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        Guid journalId;
        using (var host = MountHost.Start(new MountHostOptions
        {
            Backing = workspace.Backing,
            MountPoint = workspace.MountPoint,
            Journal = new Recording.MountJournalOptions { Directory = workspace.Journal, BackingDirectory = workspace.Backing },
            LoggerFactory = workspace.Log,
            Replication = new MountReplicationOptions([target], secretFile),
        }))
        {
            journalId = host.Journal!.Header.JournalId;
            workspace.RunInMount("mkdir d; echo a > d/f; echo b > other; mv d/f d/g; ln d/g h; echo c >> h; mv d e; rm e/g");
            Assert.True(SpinWait.SpinUntil(() => host.Senders.Single().Connected, Workspace.Patience), $"no replication session\n{workspace.Log.Text}\n{serveLog.Text}");
            host.Stop();
        }

        var expected = JournalTransactions.Naming(workspace.Journal, "d/f", "d/g", "h", "e/g");
        var replica = Path.Combine(workspace.Root, "store", journalId.ToString("D"));
        IReadOnlyList<ulong> found = [];
        Assert.True(Poll.Until(() =>
        {
            using var catalog = StoreCatalog.Open(replica);
            found = [.. catalog.History("h", HistoryRange.All).Entries.Select(entry => entry.TransactionId)];
            return found.Count == expected.Count;
        }, Workspace.Patience), $"{string.Join(',', found)} against {string.Join(',', expected)}\n{serveLog.Text}");
        Assert.Equal(expected, found);
        using (var catalog = StoreCatalog.Open(replica))
        {
            Assert.Equal(expected, catalog.History("e/g", HistoryRange.All).Entries.Select(entry => entry.TransactionId));
            var linked = FileAtMoment.Find(catalog, "h", catalog.NewestMoment()!.Value.Id, out _);
            Assert.Equal("a\nc\n"u8.ToArray(), FileAtMomentTests.Content(linked!));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(replica, StoreCatalog.FileName)));
    }
}
