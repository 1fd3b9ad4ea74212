using System.Net;
using System.Net.Sockets;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>A connection breaks once, for its first reason; what fails because of the break does not replace it.</summary>
public sealed class ConnectionBreakTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "break-tests-secret-0123456789";
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-break-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_first_reason_breaks_the_connection_once_and_later_failures_return_it()
    {
        using var session = new CancellationTokenSource();
        var closed = 0;
        var connection = new ConnectionBreak(session, () => closed++);
        var first = new ReplicationRefusedException("a record header expected begin magic 0x4A56, found 0x0000");

        var broke = connection.Break(first);
        var again = connection.Break(new IOException("Connection reset by peer"));

        Assert.Same(first, broke);
        Assert.Same(first, again);
        Assert.Same(first, connection.Reason);
        Assert.True(connection.Token.IsCancellationRequested);
        Assert.Equal(1, closed);
    }

    [Fact]
    public void Ending_without_a_fault_stops_the_session_and_leaves_room_for_no_reason()
    {
        using var session = new CancellationTokenSource();
        var closed = 0;
        var connection = new ConnectionBreak(session, () => closed++);

        connection.End();

        Assert.True(connection.Token.IsCancellationRequested);
        Assert.Null(connection.Reason);
        Assert.Equal(0, closed);
    }

    [Fact]
    public async Task A_target_s_closing_note_is_the_problem_reported_though_the_sending_then_fails_too()
    {
        var journalId = Guid.NewGuid();
        var secret = Encoding.UTF8.GetBytes(Secret);
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), journalId);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var log = new RefusalLog(line => output.WriteLine($"sender: {line}"));
            using var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, null), secret, new CapturedLog(log.Add));
            sender.Start();
            using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
            using var peer = await listener.AcceptTcpClientAsync(timeout.Token);
            var stream = peer.GetStream();
            await AcceptByHandAsync(stream, journalId, secret, timeout.Token);

            // Everything the source holds arrives, so its send loop waits on its store when the
            // note ends the session: that wait ends too, and must not become the reason.
            var buffer = new byte[64 << 10];
            for (long received = 0; received < source.WrittenPosition;)
                received += await stream.ReadAsync(buffer, timeout.Token);
            await stream.WriteAsync(TargetRecord.Note("the target's disk is full"), timeout.Token);

            var line = await log.WaitForAsync("retrying in");
            Assert.Equal("the target ended the session: the target's disk is full", sender.Problem);
            Assert.Contains("replication to tcp://127.0.0.1", line, StringComparison.Ordinal);
            Assert.Contains(": the target ended the session: the target's disk is full; retrying in 0.1 s", line, StringComparison.Ordinal);
            Assert.Single(log.Lines, logged => logged.Contains("retrying in", StringComparison.Ordinal));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_target_that_refused_a_record_logs_that_reason_once_though_the_source_then_resets_the_connection()
    {
        var journalId = Guid.NewGuid();
        var secret = Encoding.UTF8.GetBytes(Secret);
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        var bad = layout.First(r => r.Start > layout[0].End && StreamId.IsTransaction(r.Header.Id));
        var damaged = stream.AsSpan((int)bad.Start, bad.Length).ToArray();
        damaged[JournalFormat.HeaderSize + 4] ^= 0x20;
        var secrets = RefusalPeers.Secrets(Path.Combine(_root, "secrets"), (journalId, Secret));
        await using var target = new RefusalServer(Path.Combine(_root, "target"), null, secrets, line => output.WriteLine($"target: {line}"));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, journalId, stream[..layout[0].Length], secret);
            Assert.True(verdict.Accepted, verdict.Message);
            await network.WriteAsync((byte[])[.. stream.AsSpan((int)verdict.Resume, (int)(bad.Start - verdict.Resume)), .. damaged]);
            Assert.Contains("CRC32C", await ClosingNoteAsync(network));
            // A reset instead of a close: the target, draining the connection after its note, fails again.
            client.Client.LingerState = new LingerOption(true, 0);
        }

        var logged = await target.Log.WaitForAsync("disconnected");
        await target.StopAsync();
        Assert.Contains($"journal {journalId}: replicated records refused at store position {bad.Start}", logged, StringComparison.Ordinal);
        Assert.Contains("CRC32C", logged, StringComparison.Ordinal);
        Assert.Single(target.Log.Lines, line => line.Contains("disconnected", StringComparison.Ordinal));
        Assert.DoesNotContain(target.Log.Lines, line => line.Contains("reset", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads the target's records, as a source does, up to its closing note.</summary>
    private static async Task<string> ClosingNoteAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
        var buffer = new byte[TargetRecord.MaxRecordSize];
        while (await TargetRecord.ReadAsync(stream, buffer, timeout.Token) is { } message)
        {
            if (message.Note is { } note)
                return note;
        }
        throw new IOException("the target closed the connection without a closing note");
    }

    /// <summary>The target's half of the handshake, accepting the journal from store position 0.</summary>
    private static async Task AcceptByHandAsync(NetworkStream stream, Guid journalId, byte[] secret, CancellationToken cancellation)
    {
        var hello = await Handshake.ReadHelloAsync(stream, cancellation);
        Assert.NotNull(hello);
        Assert.Equal(journalId, hello.JournalId);
        var nonce = HandshakeProof.NewNonce();
        await Handshake.WriteChallengeAsync(stream, new Handshake.Challenge(nonce), cancellation);
        await Handshake.ReadProofAsync(stream, cancellation);
        var proof = HandshakeProof.Target(secret, journalId, hello.Nonce, nonce);
        await Handshake.WriteVerdictAsync(stream, new Handshake.Verdict(true, "", proof, 0, 0), cancellation);
    }
}
