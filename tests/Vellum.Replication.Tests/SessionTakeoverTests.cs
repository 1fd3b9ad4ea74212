using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// A connection that broke without a word reaching the target (no FIN, no reset) must not
/// keep the journal from its own source: the next authenticated session takes it over.
/// </summary>
public sealed class SessionTakeoverTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "takeover-secret-0123456789";
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-takeover-").FullName;

    [Fact]
    public async Task A_new_session_takes_over_a_journal_whose_old_connection_went_silent()
    {
        var journalId = Guid.NewGuid();
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), journalId);
        var stream = RefusalPeers.StreamOf(source);
        var first = RefusalPeers.Layout(stream)[0];
        var syncPoint = stream.AsSpan(0, first.Length).ToArray();
        var secrets = RefusalPeers.Secrets(Path.Combine(_root, "secrets"), (journalId, Secret));
        await using var target = new RefusalServer(Path.Combine(_root, "target"), null, secrets, output.WriteLine);

        // The silent session: accepted, then nothing, its socket left open.
        using var silent = await RefusalPeers.ConnectAsync(target.Port);
        var silentStream = silent.GetStream();
        var verdict = await RefusalPeers.HandshakeByHandAsync(silentStream, journalId, syncPoint, System.Text.Encoding.UTF8.GetBytes(Secret));
        Assert.True(verdict.Accepted, verdict.Message);

        using (var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", target.Port, null), System.Text.Encoding.UTF8.GetBytes(Secret), new CapturedLog(output.WriteLine)))
        {
            sender.Start();
            Assert.True(sender.WaitAcknowledged(source.WrittenPosition, RefusalPeers.Guard), $"acknowledged {sender.AcknowledgedDurable} of {source.WrittenPosition}: {sender.Problem}");
            Assert.Equal(1, sender.Sessions);
        }
        await target.Log.WaitForAsync($"journal {journalId}: this session takes over from the one before");
        await target.Log.WaitForAsync("a newer session for its journal took over");

        // The target closed the silent connection: after the acknowledgements it had sent, the stream ends.
        using var drain = new CancellationTokenSource(RefusalPeers.Guard);
        var buffer = new byte[4096];
        while (await silentStream.ReadAsync(buffer, drain.Token) > 0)
        {
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
