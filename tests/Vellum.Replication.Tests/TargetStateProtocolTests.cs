using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// Protocol version 3: the target's state in its acknowledgements, byte for byte, and peers of
/// versions 2 and 3 together: each side of an older peer says what it cannot do and goes on,
/// and peers with no version in common are refused with both versions named.
/// </summary>
public sealed class TargetStateProtocolTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "state-tests-secret-0123456789";
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-state-").FullName;
    private readonly Guid _journalId = Guid.NewGuid();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_state_flags_and_mirror_states_keep_their_numeric_values()
    {
        Assert.Equal(0, (int)TargetMirrorState.None);
        Assert.Equal(1, (int)TargetMirrorState.Following);
        Assert.Equal(2, (int)TargetMirrorState.Stopped);
        Assert.Equal(1u, TargetReport.HasMirrorFlag);
        Assert.Equal(2u, TargetReport.MirrorStoppedFlag);
        Assert.Equal(4u, TargetReport.DiskFullFlag);
        Assert.Equal(4, WireFormat.Version);
        Assert.Equal(2, WireFormat.OldestVersion);
    }

    [Fact]
    public void An_acknowledgement_with_the_target_s_state_reads_back_as_written_and_lays_out_as_documented()
    {
        var ack = new Acknowledgement(41, 9000, 8000, 40) { Report = new TargetReport(TargetMirrorState.Stopped, DiskFull: true, "transaction 42: path 'a/y' passes through a symlink") };
        var record = new byte[Acknowledgement.MaxRecordSize];
        var length = ack.Format(record);

        var reason = Encoding.UTF8.GetBytes(ack.Report!.Value.MirrorProblem!);
        Assert.Equal(RecordCodec.AlignedSizeFor(32 + reason.Length), length);
        var payload = record.AsSpan(JournalFormat.HeaderSize);
        Assert.Equal(9000, BinaryPrimitives.ReadInt64LittleEndian(payload));
        Assert.Equal(8000, BinaryPrimitives.ReadInt64LittleEndian(payload[8..]));
        Assert.Equal(40ul, BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        Assert.Equal(1u | 2u | 4u, BinaryPrimitives.ReadUInt32LittleEndian(payload[24..]));
        Assert.Equal(reason.Length, BinaryPrimitives.ReadUInt16LittleEndian(payload[28..]));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(payload[30..]));
        Assert.True(payload.Slice(32, reason.Length).SequenceEqual(reason));

        Assert.True(Acknowledgement.TryParse(record.AsSpan(0, length), out var read, out var problem), problem);
        Assert.Equal(ack, read);
        Assert.Equal(ack.Report, read.Report);

        var plain = new Acknowledgement(41, 9000, 8000, 40);
        Assert.Equal(Acknowledgement.RecordSize, plain.Format(record));
        Assert.Equal(64, Acknowledgement.RecordSize);
        Assert.True(Acknowledgement.TryParse(record.AsSpan(0, Acknowledgement.RecordSize), out read, out problem), problem);
        Assert.Null(read.Report);
    }

    [Fact]
    public void A_long_reason_is_cut_at_a_character_boundary_within_the_limit_and_a_state_no_target_can_be_in_is_refused()
    {
        var record = new byte[Acknowledgement.MaxRecordSize];
        var length = new Acknowledgement(1, 2, 2, 1) { Report = new TargetReport(TargetMirrorState.Stopped, false, new string('é', 2000)) }.Format(record);
        Assert.True(Acknowledgement.TryParse(record.AsSpan(0, length), out var read, out var problem), problem);
        Assert.Equal(new string('é', TargetReport.MaxProblemSize / 2), read.Report!.Value.MirrorProblem);

        Span<byte> payload = stackalloc byte[32 + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload[24..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[28..], 4);
        "oops"u8.CopyTo(payload[32..]);
        var bad = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.WriteControl(bad, StreamId.Ack, 1, payload);
        Assert.False(Acknowledgement.TryParse(bad, out _, out problem));
        Assert.Contains("a reason without a stopped mirror", problem);

        BinaryPrimitives.WriteUInt32LittleEndian(payload[24..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[28..], 0);
        RecordCodec.WriteControl(bad, StreamId.Ack, 1, payload[..32]);
        Assert.False(Acknowledgement.TryParse(bad.AsSpan(0, RecordCodec.AlignedSizeFor(32)), out _, out problem));
        Assert.Contains("unknown state flags 0x8", problem);
    }

    [Fact]
    public async Task A_source_of_version_3_replicates_to_a_target_of_version_2_and_shows_its_state_as_unknown()
    {
        var secret = Encoding.UTF8.GetBytes(Secret);
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), _journalId);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var log = new CapturedLog(output.WriteLine);
            using var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, null), secret, log);
            sender.Start();
            using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
            using var peer = await listener.AcceptTcpClientAsync(timeout.Token);
            var stream = peer.GetStream();

            // A target of version 2, by hand: it reads the hello's version field, ignores the bytes after it, and answers as version 2.
            var hello = new byte[64];
            await stream.ReadExactlyAsync(hello, timeout.Token);
            Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(hello.AsSpan(8)));
            Assert.Equal(WireFormat.Version, BinaryPrimitives.ReadUInt16LittleEndian(hello.AsSpan(10)));
            var syncPoint = new byte[BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(60))];
            await stream.ReadExactlyAsync(syncPoint, timeout.Token);
            var nonce = HandshakeProof.NewNonce();
            await Handshake.WriteChallengeAsync(stream, new Handshake.Challenge(nonce, 2), timeout.Token);
            await Handshake.ReadProofAsync(stream, timeout.Token);
            var proof = HandshakeProof.Target(secret, _journalId, hello.AsSpan(28, 32).ToArray(), nonce);
            await Handshake.WriteVerdictAsync(stream, new Handshake.Verdict(true, "", proof, syncPoint.Length, syncPoint.Length), timeout.Token);

            var buffer = new byte[64 << 10];
            for (long received = syncPoint.Length; received < source.WrittenPosition;)
                received += await stream.ReadAsync(buffer, timeout.Token);
            var record = new byte[Acknowledgement.RecordSize];
            new Acknowledgement(source.LastTransactionId, source.WrittenPosition, source.WrittenPosition, 0).Format(record);
            await stream.WriteAsync(record, timeout.Token);
            Assert.True(await Task.Run(() => sender.WaitAcknowledged(source.WrittenPosition, RefusalPeers.Guard)), sender.Problem);

            var state = sender.State;
            Assert.Equal(TargetCondition.Connected, state.Condition);
            Assert.Equal(2, state.Protocol);
            Assert.Null(state.Report);
            var words = state.Describe(source.WrittenPosition, DateTimeOffset.Now);
            output.WriteLine(words);
            Assert.Contains("received all", words);
            Assert.Contains("target state unknown (protocol version 2)", words);
            log.WaitFor("the target speaks replication protocol version 2, which does not report its state", TimeSpan.Zero);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_source_of_version_2_gets_a_session_of_version_2_whose_acknowledgements_carry_no_state()
    {
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        await using var target = new RefusalServer(Path.Combine(_root, "target"), null, RefusalPeers.Secrets(Path.Combine(_root, "secrets"), (_journalId, Secret)), output.WriteLine);

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            // The hand handshake is version 2's: version 2, zero after it; it asserts the challenge answers 2.
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, _journalId, stream[..layout[0].Length], Encoding.UTF8.GetBytes(Secret));
            Assert.True(verdict.Accepted, verdict.Message);
            var ack = new byte[Acknowledgement.RecordSize];
            using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
            await network.ReadExactlyAsync(ack, timeout.Token);
            Assert.True(Acknowledgement.TryParse(ack, out var read, out var problem), problem);
            Assert.Null(read.Report);
            Assert.Equal(verdict.Resume, read.Received);
        }
        await target.Log.WaitForAsync("the source speaks replication protocol version 2: it is not told this target's state");
    }

    [Fact]
    public async Task A_source_and_a_target_without_a_version_in_common_are_refused_naming_both()
    {
        await using var target = new RefusalServer(Path.Combine(_root, "target"), null, RefusalPeers.Secrets(Path.Combine(_root, "secrets"), (_journalId, Secret)), output.WriteLine);
        using var source = RefusalPeers.CreateSource(Path.Combine(_root, "source"), _journalId);
        var syncPoint = RefusalPeers.StreamOf(source)[..RefusalPeers.Layout(RefusalPeers.StreamOf(source))[0].Length];

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
            await Handshake.WriteHelloAsync(network, new Handshake.Hello(_journalId, HandshakeProof.NewNonce(), syncPoint) { OldestVersion = 5, NewestVersion = 6 }, timeout.Token);
            // The target answers with its own version, for the source to name, and closes.
            var challenge = new byte[44];
            await network.ReadExactlyAsync(challenge, timeout.Token);
            Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(challenge.AsSpan(8)));
            Assert.Equal(0, await network.ReadAsync(new byte[1], timeout.Token));
        }
        // And a source told a version it does not speak names both.
        var future = new byte[44];
        "VLLMREP1"u8.CopyTo(future);
        BinaryPrimitives.WriteUInt16LittleEndian(future.AsSpan(8), 9);
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(async () => await Handshake.ReadChallengeAsync(new MemoryStream(future), CancellationToken.None));
        Assert.Equal("the target speaks replication protocol version 9; this source speaks versions 2 to 4: run the same version of vellum on both sides", refused.Message);
        Assert.Equal(TargetCondition.Refused, refused.Condition);

        var logged = await target.Log.WaitForAsync("the source speaks replication protocol versions 5 to 6; this target speaks versions 2 to 4");
        Assert.Contains("nothing stored", logged);
        Assert.Empty(target.Journals.Journals);
    }
}
