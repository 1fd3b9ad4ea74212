using System.Net;
using System.Security.Cryptography;
using Vellum.Native;
using Vellum.Replication;
using Vellum.Replication.Security;
using Vellum.Testing;

namespace Vellum.Host.Tests;

/// <summary>
/// What a serve node's replica shows to whom: its root takes the source root's mode and owner
/// from the journal and is never wider before it knows them (0700), the directory of mirrors
/// the node creates is 0755, and every file and directory keeps its source's mode and owner,
/// so a user the source refuses (`nobody`, through setpriv) is refused in the replica too.
/// </summary>
public sealed class ReplicaRootTests
{
    private const uint SourceUid = 1234;

    [Fact]
    public void A_serve_node_replica_keeps_the_source_roots_mode_and_owner_and_nobody_reads_there_what_the_source_denies()
    {
        using var workspace = new Workspace();
        // Others may pass through the workspace to the replica: only the replica's own modes refuse them.
        File.SetUnixFileMode(workspace.Root, (UnixFileMode)ExactDirectory.Shared);
        Chown(workspace.Backing, SourceUid);
        File.SetUnixFileMode(workspace.Backing, (UnixFileMode)ExactDirectory.Private);
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var secrets = workspace.PrivateFile("secrets", $"* {secret}\n");
        var secretFile = workspace.PrivateFile("secret", secret + "\n");
        var mirrors = Path.Combine(workspace.Root, "mirrors");
        var serveLog = new CapturedLog();
        using var node = ServeNode.Start(new ServeNodeOptions
        {
            StoreDirectory = Path.Combine(workspace.Root, "store"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            SecretsFile = secrets,
            MirrorDirectory = mirrors,
            LoggerFactory = serveLog,
        });
        Assert.Equal((ExactDirectory.Shared, 0u), ModeAndOwner(mirrors));

        var target = ReplicationTarget.Parse($"tcp://127.0.0.1:{node.Endpoint.Port}", ServerPin.Fingerprint(node.Fingerprint!), insecure: false, forceInsecure: false);
        using var host = MountHost.Start(workspace.JournaledMount() with { Replication = new MountReplicationOptions([target], secretFile) });
        var replica = Path.Combine(mirrors, host.Journal!.Header.JournalId.ToString("D"));
        using var watch = new RootWatch(replica);
        Assert.True(
            Poll.Until(() => ModeAndOwner(replica) == (ExactDirectory.Private, SourceUid), Workspace.Patience),
            $"the replica root is {ModeAndOwner(replica)}\n{workspace.Log.Text}\n{serveLog.Text}");
        Assert.False(AsNobody("ls", replica).Succeeded);

        workspace.RunInMount($"""
            echo public > public
            echo secret > secret && chmod 0600 secret
            mkdir -m 0700 private && echo inner > private/inner
            mkdir -m 0755 user && chown {SourceUid}:{SourceUid} user
            setpriv --reuid={SourceUid} --regid={SourceUid} --clear-groups bash -euc '
                umask 077; echo secret > user/secret; mkdir user/private; echo inner > user/private/inner
                umask 022; echo public > user/public'
            chmod 0755 .
            sync public
            """);
        Assert.True(
            Poll.Until(() => ModeAndOwner(replica) == (ExactDirectory.Shared, SourceUid) && File.Exists(Path.Combine(replica, "user", "public")), Workspace.Patience),
            $"the replica root is {ModeAndOwner(replica)}\n{workspace.Log.Text}\n{serveLog.Text}");
        var seen = watch.Stop();
        var beforeChmod = seen.TakeWhile(state => state != (ExactDirectory.Shared, SourceUid)).ToList();
        Assert.True(beforeChmod.All(state => (state.Mode & 0x3F) == 0), $"the replica root was seen as {string.Join(", ", seen.Select(Show))}");

        foreach (var path in new[] { "secret", "private", "private/inner", "user", "user/secret", "user/private", "user/public", "public" })
            Assert.Equal(ModeAndOwner(Path.Combine(workspace.Backing, path)), ModeAndOwner(Path.Combine(replica, path)));
        Assert.Equal(SourceUid, ModeAndOwner(Path.Combine(replica, "user", "secret")).Uid);
        foreach (var readable in new[] { "public", "user/public" })
            Assert.True(AsNobody("cat", Path.Combine(replica, readable)).Succeeded, $"nobody cannot read {readable}, which the source lets everyone read");
        foreach (var (command, path) in new[] { ("cat", "secret"), ("ls", "private"), ("cat", "private/inner"), ("cat", "user/secret"), ("ls", "user/private"), ("cat", "user/private/inner") })
        {
            var refused = AsNobody(command, Path.Combine(replica, path));
            Assert.False(refused.Succeeded, $"nobody could {command} {path} in the replica");
            Assert.Contains("Permission denied", refused.Error, StringComparison.Ordinal);
        }
        host.Stop();
    }

    private static string Show((uint Mode, uint Uid) state) => $"0{Convert.ToString(state.Mode, 8)} uid {state.Uid}";

    private static unsafe (uint Mode, uint Uid) ModeAndOwner(string path)
    {
        StatxBuffer stat;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, LibCConstants.AtSymlinkNoFollow, LibCConstants.StatxBasicStats, &stat) != 0)
            return (0, uint.MaxValue);
        return (stat.Mode & 0xFFFu, stat.Uid);
    }

    private static void Chown(string path, uint uid)
    {
        if (LibC.FChownAt(LibCConstants.AtFdCwd, path, uid, uid, 0) != 0)
            throw SystemCallException.Last("chown", path);
    }

    private static (bool Succeeded, string Error) AsNobody(string command, string path)
    {
        var (exitCode, _, error) = Unprivileged.Run(command, path);
        return (exitCode == 0, error);
    }

    /// <summary>Every mode and owner the replica root is seen with, in order, from its creation on (a missing root is not recorded).</summary>
    private sealed class RootWatch : IDisposable
    {
        private readonly List<(uint Mode, uint Uid)> _seen = [];
        private readonly Thread _thread;
        private volatile bool _stopping;

        public RootWatch(string path)
        {
            _thread = new Thread(() =>
            {
                while (!_stopping)
                {
                    var state = ModeAndOwner(path);
                    if (state.Uid != uint.MaxValue && (_seen.Count == 0 || _seen[^1] != state))
                        _seen.Add(state);
                    Thread.Sleep(1); // sampling, not waiting for anything
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public IReadOnlyList<(uint Mode, uint Uid)> Stop()
        {
            _stopping = true;
            _thread.Join();
            return _seen;
        }

        public void Dispose() => Stop();
    }
}
