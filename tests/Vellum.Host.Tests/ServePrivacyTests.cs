using System.Net;
using System.Security.Cryptography;
using Vellum.Native;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// A serve node's store holds every source's journal: it and each journal's directory are
/// owner-only, and an existing store that others may read is refused with its chmod.
/// </summary>
public sealed class ServePrivacyTests
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void A_serve_store_and_each_journal_it_receives_hold_only_owner_only_directories_and_files()
    {
        using var workspace = new Workspace();
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        // Under this process's umask (022) a directory made the ordinary way would be 0755.
        var store = Path.Combine(workspace.Root, "srv", "store");
        var serveLog = new CapturedLog();
        using var node = StartNode(store, secrets, serveLog, allowShared: false);
        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        using (var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], secretFile) }))
        {
            workspace.RunInMount("echo private > f && sync f");
            Assert.True(SpinWait.SpinUntil(() => host.Senders.Single().Connected, Workspace.Patience), $"no replication session\n{workspace.Log.Text}\n{serveLog.Text}");
            host.Stop();
        }

        var journal = Path.Combine(store, node.Journals.Single().Id.ToString("D"));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(Path.Combine(workspace.Root, "srv")));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(store));
        Assert.NotEmpty(Directory.GetFiles(journal, "*.vseg"));
        foreach (var entry in new DirectoryInfo(store).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            // The certificate is public by nature (sources pin it); its key is not.
            var want = entry is DirectoryInfo ? PrivateDirectory : entry.Name == ServerCertificate.CertificateFileName ? entry.UnixFileMode : PrivateFile;
            Assert.True(want == entry.UnixFileMode, $"{entry.FullName} has mode {entry.UnixFileMode}");
        }
        Assert.Equal(PrivateFile, File.GetUnixFileMode(Path.Combine(store, "tls", ServerCertificate.KeyFileName)));
    }

    [Fact]
    public void A_world_readable_serve_store_is_refused_with_its_chmod_and_served_with_allow_shared_journal()
    {
        using var workspace = new Workspace();
        var secrets = workspace.PrivateFile("secrets", $"* {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}\n");
        var store = Directory.CreateDirectory(Path.Combine(workspace.Root, "store")).FullName;
        var journal = Directory.CreateDirectory(Path.Combine(store, Guid.NewGuid().ToString("D"))).FullName;
        File.WriteAllText(Path.Combine(journal, "0000000000000000.vseg"), "");
        File.SetUnixFileMode(store, (UnixFileMode)0x1ED);

        var refused = Assert.Throws<NotPrivateException>(() => StartNode(store, secrets, new CapturedLog(), allowShared: false));
        Assert.StartsWith($"the store {store} is not private: other users may access it (mode 755; ", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith($"run: chmod -R go= {store} (or give --allow-shared-journal to use it shared)", refused.Message, StringComparison.Ordinal);

        var log = new CapturedLog();
        using (StartNode(store, secrets, log, allowShared: true))
            log.WaitFor($"the store {store} is shared (--allow-shared-journal): other users may access it (mode 755; ", TimeSpan.Zero);
    }

    private static ServeNode StartNode(string store, string secrets, CapturedLog log, bool allowShared) => ServeNode.Start(new ServeNodeOptions
    {
        StoreDirectory = store,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        SecretsFile = secrets,
        AllowSharedJournal = allowShared,
        LoggerFactory = log,
    });
}
