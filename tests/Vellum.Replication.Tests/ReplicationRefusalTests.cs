using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// A real <see cref="ReplicationServer"/> on loopback refusing what it must: a wrong or
/// missing secret, a source that does not trust its certificate, a plain connection to its
/// TLS port, a peer that is not a Vellum source, a damaged sync point in an authenticated
/// hello, and bad records after a good handshake.
/// Each refusal must be logged by the server in words naming what was wrong, and must store
/// nothing: no journal directory before authentication, no byte past the last good record
/// after it. The accepted case comes first, so that "nothing stored" means something.
/// </summary>
public sealed class ReplicationRefusalTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "refusal-tests-right-secret-0123456789";
    private const string OtherSecret = "refusal-tests-other-secret-9876543210";

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-refusal-").FullName;
    private readonly Guid _journalId = Guid.NewGuid();
    private readonly RefusalLog _senderLog = new(line => output.WriteLine($"sender: {line}"));

    private string SourceDirectory => Path.Combine(_root, "source");

    private string StoreDirectory => Path.Combine(_root, "store");

    private string ReplicaDirectory => ReplicaJournals.StoreDirectoryFor(StoreDirectory, _journalId);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task With_the_right_secret_over_pinned_tls_the_target_holds_the_source_s_segment_files_byte_for_byte()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var syncPoint = RefusalPeers.Layout(stream)[0];
        Assert.True(source.SegmentCount >= 3, $"{source.SegmentCount} segments: the stream must cross segment boundaries");
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        await using var target = NewServer(certificate, Secrets((_journalId, Secret)));

        using (var sender = StartSender(source, target, Pin(certificate), Secret))
        {
            Assert.True(await Task.Run(() => sender.WaitAcknowledged(source.WrittenPosition, RefusalPeers.Guard)),
                $"acknowledged durable {sender.AcknowledgedDurable} of {source.WrittenPosition}; problem: {sender.Problem}; server: {string.Join(" | ", target.Log.Lines)}");
            Assert.Equal(source.WrittenPosition, sender.AcknowledgedDurable);
            Assert.Equal(1, sender.Sessions);
            Assert.Null(sender.Problem);
        }
        await target.Log.WaitForAsync($"journal {_journalId}: receiving from store position {syncPoint.Length}");
        await target.StopAsync();

        var expected = Directory.GetFiles(SourceDirectory).Order(StringComparer.Ordinal).ToArray();
        var actual = Directory.GetFiles(ReplicaDirectory).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(source.SegmentCount, expected.Length);
        Assert.Equal(expected.Select(Path.GetFileName), actual.Select(Path.GetFileName));
        for (var i = 0; i < expected.Length; i++)
            Assert.True(File.ReadAllBytes(expected[i]).AsSpan().SequenceEqual(File.ReadAllBytes(actual[i])), $"{Path.GetFileName(actual[i])} differs from the source's");
        Assert.Equal([_journalId.ToString("D")], Directory.GetFileSystemEntries(StoreDirectory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_as_authentication_failed_and_nothing_is_stored()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        await using var target = NewServer(certificate, Secrets((_journalId, OtherSecret)));

        using (var sender = StartSender(source, target, Pin(certificate), Secret))
        {
            var logged = await target.Log.WaitForAsync($"journal {_journalId}: wrong secret");
            Assert.Contains("nothing stored", logged);
            await _senderLog.WaitForAsync("refused", "authentication failed");
            Assert.Contains($"the target refused journal {_journalId}: authentication failed", sender.Problem);
            // The source is told no more than the server's log says: not which of secret or proof was wrong.
            Assert.DoesNotContain(_senderLog.Lines, line => line.Contains("wrong secret", StringComparison.Ordinal));
            AssertNeverAccepted(sender);
        }
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task A_journal_without_a_secret_is_refused_and_nothing_is_stored()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        // A secret for another journal only, and no '*' line.
        await using var target = NewServer(certificate, Secrets((Guid.NewGuid(), Secret)));

        using (var sender = StartSender(source, target, Pin(certificate), Secret))
        {
            await target.Log.WaitForAsync($"journal {_journalId}: no secret configured for it", "nothing stored");
            await _senderLog.WaitForAsync("authentication failed");
            Assert.Contains($"the target refused journal {_journalId}: authentication failed", sender.Problem);
            AssertNeverAccepted(sender);
        }
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task A_source_pinning_another_certificate_refuses_the_server_and_nothing_is_stored()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        using var other = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls-other"), out _);
        await using var target = NewServer(certificate, Secrets((_journalId, Secret)));

        using (var sender = StartSender(source, target, Pin(other), Secret))
        {
            await _senderLog.WaitForAsync("the server's certificate is not the one expected");
            Assert.Contains(
                $"server certificate {ServerCertificate.Fingerprint(certificate)} does not match the pinned {ServerCertificate.Fingerprint(other)}",
                sender.Problem);
            // A wrong pin is the source's authentication failing: retried slowly, as a wrong secret is.
            Assert.True(SpinWait.SpinUntil(() => sender.State.Condition == TargetCondition.AuthenticationFailed, RefusalPeers.Guard), $"{sender.State}");
            // Under TLS 1.3 the source refuses the certificate after the server's handshake completed, and then just
            // closes; under TLS 1.2 the server's handshake fails. Either way the server names the certificate.
            var logged = await target.Log.WaitForAsync("does not trust this");
            Assert.Contains("disconnected", logged);
            AssertNeverAccepted(sender);
        }
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task A_plain_connection_to_the_tls_port_fails_the_tls_handshake_and_nothing_is_stored()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        await using var target = NewServer(certificate, Secrets((_journalId, Secret)));

        using (var sender = StartSender(source, target, pin: null, Secret))
        {
            var logged = await target.Log.WaitForAsync("TLS handshake failed");
            Assert.Contains("a plain connection to a TLS port", logged);
            await _senderLog.WaitForAsync($"replication to {sender.Target}:");
            Assert.NotNull(sender.Problem);
            AssertNeverAccepted(sender);
        }
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task Random_bytes_are_not_a_vellum_peer_and_nothing_is_stored()
    {
        await using var target = NewServer(certificate: null, Secrets((_journalId, Secret)));
        var garbage = new byte[200];
        new Random(5).NextBytes(garbage);
        Assert.False(garbage.AsSpan(0, 8).SequenceEqual("VLLMREP1"u8));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            await network.WriteAsync(garbage);
            await RefusalPeers.FinishAsync(network);
        }
        var logged = await target.Log.WaitForAsync("not a Vellum replication peer");
        Assert.Contains($"starts with {Convert.ToHexString(garbage.AsSpan(0, 8))}", logged);
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task A_connection_ending_inside_a_record_keeps_exactly_the_whole_records_before_it()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        // A record well inside the second segment, so whole segments and a checkpoint went before it.
        var secondSegment = layout.Where(r => r.Header.Id == StreamId.SyncPoint).ElementAt(1);
        var cut = layout.First(r => r.Start > secondSegment.Start + 1000 && StreamId.IsTransaction(r.Header.Id) && r.Length >= 256);
        await using var target = NewServer(certificate: null, Secrets((_journalId, Secret)));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, _journalId, stream[..layout[0].Length], Encoding.UTF8.GetBytes(Secret));
            Assert.True(verdict.Accepted, verdict.Message);
            var resume = verdict.Resume;
            Assert.Equal(layout[0].Length, resume);
            await network.WriteAsync(stream.AsMemory((int)resume, (int)(cut.Start - resume)));
            await network.WriteAsync(stream.AsMemory((int)cut.Start, cut.Length / 2));
            await RefusalPeers.FinishAsync(network);
        }

        var logged = await target.Log.WaitForAsync("ended inside a record");
        Assert.Contains($"journal {_journalId} at store position {cut.Start}:", logged);
        Assert.Contains($"{cut.Length / 2} bytes of it received", logged);
        Assert.Equal(cut.Start, Assert.Single(target.Journals.Journals).Store.WrittenPosition);
        await target.StopAsync();

        AssertReplicaHolds(stream[..(int)cut.Start]);
    }

    [Fact]
    public async Task A_record_with_a_bad_crc_after_a_good_handshake_is_refused_keeping_the_records_before_it()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        var secondSegment = layout.Where(r => r.Header.Id == StreamId.SyncPoint).ElementAt(1);
        var bad = layout.First(r => r.Start > secondSegment.Start + 1000 && StreamId.IsTransaction(r.Header.Id) && r.Length >= 256);
        var damaged = stream.AsSpan((int)bad.Start, bad.Length).ToArray();
        damaged[JournalFormat.HeaderSize + 4] ^= 0x20;

        var logged = await RefusedAfterHandshakeAsync(stream, layout, bad, damaged);

        Assert.Contains("CRC32C", logged);
    }

    [Fact]
    public async Task Another_journal_s_sync_point_after_a_good_handshake_is_refused_keeping_the_records_before_it()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        // The sync point starting the third segment: right after a checkpoint, where a sync point belongs.
        var syncPoint = layout.Where(r => r.Header.Id == StreamId.SyncPoint).ElementAt(2);
        Assert.Equal(StreamId.Checkpoint, layout[layout.IndexOf(syncPoint) - 1].Header.Id);
        var otherJournal = Guid.NewGuid();
        var other = RecordCodec.SyncPoint(source.Header with { JournalId = otherJournal }, syncPoint.Header.TransactionId);
        Assert.Equal(syncPoint.Length, other.Length);

        var logged = await RefusedAfterHandshakeAsync(stream, layout, syncPoint, other);

        Assert.Contains($"found journal {otherJournal}", logged);
        Assert.False(Directory.Exists(ReplicaJournals.StoreDirectoryFor(StoreDirectory, otherJournal)));
    }

    [Fact]
    public async Task Over_tls_records_go_in_sealed_frames_and_an_altered_frame_is_refused_keeping_the_records_before_it()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId);
        var stream = RefusalPeers.StreamOf(source);
        var layout = RefusalPeers.Layout(stream);
        var cut = layout[layout.Count / 2];
        var after = layout[layout.IndexOf(cut) + 4].End;
        var secret = Encoding.UTF8.GetBytes(Secret);
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_root, "tls"), out _);
        await using var target = NewServer(certificate, Secrets((_journalId, Secret)));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            using var timeout = new CancellationTokenSource(RefusalPeers.Guard);
            await using var tls = new SslStream(network, leaveInnerStreamOpen: true, (_, presented, _, _) => presented is not null && ServerCertificate.Fingerprint(presented) == ServerCertificate.Fingerprint(certificate));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "vellum" }, timeout.Token);
            var verdict = await RefusalPeers.HandshakeByHandAsync(tls, _journalId, stream[..layout[0].Length], secret);
            Assert.True(verdict.Accepted, verdict.Message);
            var (keyOut, keyBack) = RefusalPeers.SealedKeysByHand(secret, _journalId, verdict);

            // Past the verdict, on the connection itself: the empty first frame, then records.
            await network.WriteAsync(RefusalPeers.SealedFrameByHand(keyOut, 0, []), timeout.Token);
            await network.WriteAsync(RefusalPeers.SealedFrameByHand(keyOut, 1, stream.AsSpan((int)verdict.Resume, (int)(cut.Start - verdict.Resume))), timeout.Token);
            // The target's acknowledgements come sealed with the other key, numbered from 0.
            var durable = -1L;
            ulong number = 0;
            for (; durable < cut.Start; number++)
            {
                var payload = await RefusalPeers.OpenFrameByHandAsync(network, keyBack, number);
                Assert.Equal(0, payload.Length % Acknowledgement.RecordSize);
                for (var at = 0; at < payload.Length; at += Acknowledgement.RecordSize)
                {
                    Assert.True(Acknowledgement.TryParse(payload.AsSpan(at, Acknowledgement.RecordSize), out var ack, out var problem), problem);
                    durable = ack.Durable;
                }
            }
            Assert.Equal(cut.Start, durable);
            var altered = RefusalPeers.SealedFrameByHand(keyOut, 2, stream.AsSpan((int)cut.Start, (int)(after - cut.Start)));
            altered[SealedStream.HeaderSize + 40] ^= 0x04;
            await network.WriteAsync(altered, timeout.Token);
            // The target's last frames: acknowledgements, then its closing note saying why it ends the session.
            var rest = RefusalPeers.OpenFramesByHand(await RefusalPeers.FinishAsync(network), keyBack, number);
            Assert.Contains($"journal {_journalId} at store position {cut.Start}: sealed frame 2 failed authentication", RefusalPeers.ClosingNoteIn(rest));
        }

        var logged = await target.Log.WaitForAsync($"journal {_journalId} at store position {cut.Start}: sealed frame 2 failed authentication");
        Assert.Contains("disconnected", logged);
        Assert.Equal(cut.Start, Assert.Single(target.Journals.Journals).Store.WrittenPosition);
        await target.StopAsync();

        AssertReplicaHolds(stream[..(int)cut.Start]);
    }

    [Fact]
    public async Task A_hello_whose_sync_point_is_damaged_is_refused_after_authentication_and_nothing_is_stored()
    {
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId, transactions: 5);
        var stream = RefusalPeers.StreamOf(source);
        var syncPoint = stream[..RefusalPeers.Layout(stream)[0].Length];
        // The first letter of the source host (after the header's 48 fixed bytes and the name's length):
        // the journal id still names the hello's journal, only the CRC no longer matches.
        syncPoint[JournalFormat.HeaderSize + JournalHeader.FixedSize + 2] ^= 0x01;
        await using var target = NewServer(certificate: null, Secrets((_journalId, Secret)));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, _journalId, syncPoint, Encoding.UTF8.GetBytes(Secret));
            Assert.False(verdict.Accepted);
            Assert.Contains("does not start with a valid sync point", verdict.Message);
            await RefusalPeers.FinishAsync(network);
        }
        var logged = await target.Log.WaitForAsync("does not start with a valid sync point", "CRC32C");
        Assert.Contains("nothing stored", logged);
        await target.StopAsync();

        AssertNothingStored(target);
    }

    /// <summary>
    /// Handshakes by hand, then sends the source's stream from the resume position with
    /// <paramref name="bad"/> in place of <paramref name="replaced"/> and a few good records
    /// after it. The server must log a refusal naming the journal and the bad record's store
    /// position, and its replica must hold exactly the stream before it. Returns the log line.
    /// </summary>
    private async Task<string> RefusedAfterHandshakeAsync(byte[] stream, List<RefusalRecord> layout, RefusalRecord replaced, byte[] bad)
    {
        var after = layout[Math.Min(layout.Count - 1, layout.IndexOf(replaced) + 4)].End;
        await using var target = NewServer(certificate: null, Secrets((_journalId, Secret)));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, _journalId, stream[..layout[0].Length], Encoding.UTF8.GetBytes(Secret));
            Assert.True(verdict.Accepted, verdict.Message);
            var resume = verdict.Resume;
            Assert.Equal(layout[0].Length, resume);
            byte[] sent = [.. stream.AsSpan((int)resume, (int)(replaced.Start - resume)), .. bad, .. stream.AsSpan((int)replaced.End, (int)(after - replaced.End))];
            await network.WriteAsync(sent);
            // The source hears why: the target's closing note, after its acknowledgements.
            var note = RefusalPeers.ClosingNoteIn(await RefusalPeers.FinishAsync(network));
            Assert.NotNull(note);
            Assert.Contains($"journal {_journalId}", note);
            Assert.Contains($"store position {replaced.Start}:", note);
            Assert.Contains("everything before it is kept", note);
        }

        var logged = await target.Log.WaitForAsync($"journal {_journalId}", $"store position {replaced.Start}:");
        Assert.Contains("refused", logged);
        Assert.Contains("everything before it is kept", logged);
        Assert.DoesNotContain(target.Log.Lines, line => line.Contains("the source closed the connection", StringComparison.Ordinal));
        Assert.Equal(replaced.Start, Assert.Single(target.Journals.Journals).Store.WrittenPosition);
        await target.StopAsync();

        AssertReplicaHolds(stream[..(int)replaced.Start]);
        return logged;
    }

    [Fact]
    public async Task A_source_offering_a_journal_format_newer_than_the_server_reads_is_told_to_upgrade_vellum_serve_and_nothing_is_stored()
    {
        var newer = (ushort)(JournalFormat.Version + 1);
        var header = JournalHeader.Create(_journalId, 1, "newer-source", "/data") with { Version = newer, MinCompatibleVersion = newer };
        await using var target = NewServer(certificate: null, Secrets((_journalId, Secret)));

        using (var client = await RefusalPeers.ConnectAsync(target.Port))
        {
            var network = client.GetStream();
            var verdict = await RefusalPeers.HandshakeByHandAsync(network, _journalId, RecordCodec.SyncPoint(header), Encoding.UTF8.GetBytes(Secret));
            Assert.False(verdict.Accepted);
            Assert.Equal($"journal {_journalId}: journal format {newer} is newer than this server reads (max {JournalFormat.Version}): upgrade vellum serve", verdict.Message);
            await RefusalPeers.FinishAsync(network);
        }
        var logged = await target.Log.WaitForAsync($"journal format {newer} is newer than this server reads");
        Assert.Contains("nothing stored", logged);
        await target.StopAsync();

        AssertNothingStored(target);
    }

    [Fact]
    public async Task A_source_refused_by_a_server_that_reads_only_journal_format_1_logs_that_vellum_serve_must_be_upgraded()
    {
        // Word for word what `vellum serve` of journal format 1 answers a format-2 hello.
        const string Format1Refusal = "the store to replicate does not start with a valid sync point: expected a readable journal header, "
            + "found journal needs reader version 2 or later (written by version 2); this reader is version 1";
        using var source = RefusalPeers.CreateSource(SourceDirectory, _journalId, transactions: 5);
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            using var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", port, Pin: null), Encoding.UTF8.GetBytes(Secret), new CapturedLog(_senderLog.Add));
            sender.Start();
            using (var peer = await listener.AcceptTcpClientAsync().WaitAsync(RefusalPeers.Guard))
            {
                var offered = await RefusalPeers.RefuseByHandAsync(peer.GetStream(), Format1Refusal);
                var payloadSize = (int)RecordHeader.Parse(offered).RecordSize - JournalFormat.MinRecordSize;
                Assert.True(JournalHeader.TryParse(offered.AsSpan(JournalFormat.HeaderSize, payloadSize), out var header, out var problem), problem);
                Assert.Equal((JournalFormat.Version, JournalFormat.MinCompatibleVersion), (header!.Version, header.MinCompatibleVersion));
            }
            var logged = await _senderLog.WaitForAsync(Format1Refusal, "upgrade vellum serve");
            Assert.Contains($"this journal is format {JournalFormat.Version}, newer than the target's vellum serve reads", logged);
            AssertNeverAccepted(sender);
        }
        finally
        {
            listener.Stop();
        }
    }

    private RefusalServer NewServer(X509Certificate2? certificate, SecretBook secrets) =>
        new(StoreDirectory, certificate, secrets, line => output.WriteLine($"server: {line}"));

    private ReplicationSender StartSender(SegmentStore source, RefusalServer target, ServerPin? pin, string secret)
    {
        var sender = new ReplicationSender(source, new ReplicationTarget("127.0.0.1", target.Port, pin), Encoding.UTF8.GetBytes(secret), new CapturedLog(_senderLog.Add));
        sender.Start();
        return sender;
    }

    private static ServerPin Pin(X509Certificate2 certificate) => ServerPin.Fingerprint(ServerCertificate.Fingerprint(certificate));

    private SecretBook Secrets(params (Guid Journal, string Secret)[] lines) => RefusalPeers.Secrets(Path.Combine(_root, "secrets"), lines);

    private static void AssertNeverAccepted(ReplicationSender sender)
    {
        Assert.Equal(0, sender.Sessions);
        Assert.Equal(-1, sender.AcknowledgedDurable);
    }

    /// <summary>No journal directory, nor anything else, under the server's directory; no journal open.</summary>
    private void AssertNothingStored(RefusalServer target)
    {
        Assert.False(Directory.Exists(ReplicaDirectory), $"{ReplicaDirectory} was created");
        Assert.Empty(Directory.GetFileSystemEntries(target.Directory));
        Assert.Empty(target.Journals.Journals);
    }

    /// <summary>The replica's segment files, concatenated, are exactly <paramref name="expected"/>, and it reopens cleanly to the same end.</summary>
    private void AssertReplicaHolds(byte[] expected)
    {
        var files = Directory.GetFiles(ReplicaDirectory).Order(StringComparer.Ordinal).ToArray();
        byte[] held = [.. files.SelectMany(File.ReadAllBytes)];
        Assert.Equal(expected.Length, held.Length);
        Assert.True(expected.AsSpan().SequenceEqual(held), "the replica's bytes differ from the source's");
        using var reopened = SegmentStore.OpenReadOnly(ReplicaDirectory);
        Assert.Equal(expected.Length, reopened.WrittenPosition);
        Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
    }
}
