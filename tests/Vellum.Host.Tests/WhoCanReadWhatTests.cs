using System.Net;
using System.Security.Cryptography;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// README's "Who can read what", tried as the unprivileged user `nobody` on everything one
/// replicating mount leaves on the machine: the mount, its journal and write-ahead ring, the
/// serve node's store, the replica and the status directory. Nobody reads through Vellum
/// what the filesystem denies them: not a private file's bytes, not a deleted file's.
/// </summary>
public sealed class WhoCanReadWhatTests
{
    [Fact]
    public void Nobody_finds_a_private_or_deleted_files_bytes_in_the_journal_the_store_or_the_replica_and_plants_nothing()
    {
        using var workspace = new Workspace();
        // Everyone may pass through the workspace: only what Vellum makes may stop nobody.
        File.SetUnixFileMode(workspace.Root, (UnixFileMode)0x1ED);
        var (secretWords, deletedWords, publicWords) = (Marker("secret"), Marker("deleted"), Marker("public"));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var serveLog = new CapturedLog();
        using var node = ServeNode.Start(new ServeNodeOptions
        {
            StoreDirectory = Path.Combine(workspace.Root, "store"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            SecretsFile = workspace.PrivateFile("secrets", $"* {secret}\n"),
            MirrorDirectory = Path.Combine(workspace.Root, "mirrors"),
            LoggerFactory = serveLog,
        });
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        using (var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], workspace.PrivateFile("secret", secret + "\n")) }))
        {
            var replica = Path.Combine(workspace.Root, "mirrors", host.Journal!.Header.JournalId.ToString("D"));
            workspace.RunInMount($"""
                chmod 0755 .
                echo {publicWords} > public
                (umask 077 && echo {secretWords} > secret && mkdir private && echo {secretWords} > private/inner)
                echo {deletedWords} > deleted && sync deleted && rm deleted
                sync public
                """);
            Assert.True(Poll.Until(() => File.Exists(Path.Combine(replica, "private", "inner")) && !File.Exists(Path.Combine(replica, "deleted")), Workspace.Patience),
                $"the replica never caught up\n{workspace.Log.Text}\n{serveLog.Text}");

            // Nobody reads what the modes let everyone read, there and in the replica: the search below can find.
            Assert.Contains(publicWords, Nobody("cat", Path.Combine(workspace.MountPoint, "public"), Path.Combine(replica, "public")).Output);
            var search = Nobody("grep", "-r", "-l", "-e", secretWords, "-e", deletedWords, "-e", publicWords, workspace.Root);
            var found = search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
            string[] readable = [Path.Combine(workspace.Backing, "public"), Path.Combine(workspace.MountPoint, "public"), Path.Combine(replica, "public")];
            Assert.Equal(readable.Order(StringComparer.Ordinal), found);
            // What grep could not enter, it says so: the journal, the store, the private files wherever they are.
            foreach (var closed in new[] { workspace.Journal, Path.Combine(workspace.Root, "store"), Path.Combine(workspace.Backing, "secret"), Path.Combine(workspace.MountPoint, "private"), Path.Combine(replica, "secret"), Path.Combine(replica, "private") })
                Assert.Contains($"{closed}: Permission denied", search.Error);

            // Not one file Vellum keeps opens for nobody, whatever its name: every segment, the ring, the binding, the store's key...
            var kept = Directory.EnumerateFiles(workspace.Journal, "*", SearchOption.AllDirectories)
                .Concat(Directory.EnumerateFiles(Path.Combine(workspace.Root, "store"), "*", SearchOption.AllDirectories)
                    .Where(path => Path.GetFileName(path) != ServerCertificate.CertificateFileName))
                .ToArray();
            Assert.Contains(Path.Combine(workspace.Journal, "write-ahead.ring"), kept);
            Assert.Contains(kept, path => path.EndsWith(".vseg", StringComparison.Ordinal) && path.StartsWith(Path.Combine(workspace.Root, "store"), StringComparison.Ordinal));
            foreach (var path in kept)
            {
                var opened = Nobody("dd", $"if={path}", "of=/dev/null", "count=1", "status=none");
                Assert.True(opened.ExitCode != 0 && opened.Error.Contains("Permission denied", StringComparison.Ordinal), $"nobody opened {path}: {opened.Error}");
            }

            // Nor plants a name where Vellum will create one: the next segment, or the status socket of a mount to come.
            var planted = Path.Combine(workspace.Journal, "9999999999999999.vseg");
            var plant = Nobody("ln", "-s", "/tmp", planted);
            Assert.Contains("Permission denied", plant.Error);
            Assert.False(Path.Exists(planted));
            var impostor = StatusSocketDirectory.SocketPath(StatusSocketDirectory.System, Path.Combine(workspace.Root, "another-mount"));
            Assert.Contains("Permission denied", Nobody("touch", impostor).Error);
            Assert.False(Path.Exists(impostor));
            host.Stop();
        }

        // An operator's chmod later opens the journal to all: the next mount refuses it, saying how to close it.
        File.SetUnixFileMode(workspace.Journal, (UnixFileMode)0x1ED);
        var refused = Assert.Throws<MountStartException>(() => MountHost.Start(workspace.JournaledMount()));
        Assert.Contains($"the journal {workspace.Journal} is not private: other users may access it (mode 755", refused.Message);
        Assert.Contains($"run: chmod 700 {workspace.Journal}", refused.Message);
        Assert.False(Workspace.IsMounted(workspace.MountPoint));
    }

    private static string Marker(string what) => $"{what}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    private static (int ExitCode, string Output, string Error) Nobody(params string[] command) => Unprivileged.Run(command);
}
