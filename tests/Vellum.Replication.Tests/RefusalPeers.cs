using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Replication.Security;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Replication.Tests;

/// <summary>
/// Log lines captured from one side, with a wait for a line that matches: the tests wait on
/// what a peer says rather than on time.
/// </summary>
internal sealed class RefusalLog(Action<string> echo)
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiting = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
                return [.. _lines];
        }
    }

    public void Add(string line)
    {
        try
        {
            echo(line);
        }
        catch (InvalidOperationException)
        {
            // The test's output has closed; the line is still kept below.
        }
        lock (_lock)
        {
            _lines.Add(line);
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                if (_waiting[i].Match(line))
                {
                    _waiting[i].Found.TrySetResult(line);
                    _waiting.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>The first line holding every one of <paramref name="fragments"/>, logged already or awaited (up to <see cref="RefusalPeers.Guard"/>).</summary>
    public async Task<string> WaitForAsync(params string[] fragments)
    {
        bool Match(string line) => fragments.All(fragment => line.Contains(fragment, StringComparison.Ordinal));
        TaskCompletionSource<string> found;
        lock (_lock)
        {
            if (_lines.FirstOrDefault(Match) is { } seen)
                return seen;
            found = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((Match, found));
        }
        try
        {
            return await found.Task.WaitAsync(RefusalPeers.Guard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"no log line holding {string.Join(" and ", fragments.Select(f => $"\"{f}\""))} within {RefusalPeers.Guard.TotalSeconds} s; logged:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}");
        }
    }
}

/// <summary>A real <see cref="ReplicationServer"/> on 127.0.0.1, its replica journals and its log.</summary>
internal sealed class RefusalServer : IAsyncDisposable
{
    private readonly ReplicationServer _server;
    private bool _stopped;

    public RefusalServer(string directory, X509Certificate2? certificate, SecretBook secrets, Action<string> echo)
    {
        Log = new RefusalLog(echo);
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Journals = new ReplicaJournals(directory);
        _server = new ReplicationServer(Journals, new ReplicationServerOptions(new IPEndPoint(IPAddress.Loopback, 0), certificate, secrets), new CapturedLog(Log.Add));
        _server.Start();
    }

    public string Directory { get; }

    public ReplicaJournals Journals { get; }

    public RefusalLog Log { get; }

    public int Port => _server.Endpoint.Port;

    /// <summary>Stops listening, waits for every session to end, and closes the replica stores.</summary>
    public async ValueTask StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _server.DisposeAsync();
        Journals.Dispose();
    }

    public ValueTask DisposeAsync() => StopAsync();
}

/// <summary>Sources, secrets and a source written by hand from docs/replication.md, for the refusal tests.</summary>
internal static class RefusalPeers
{
    /// <summary>Only a bound on a hang; nothing waits for it to pass.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public const ushort Stream = StreamId.FirstTransaction;

    /// <summary>
    /// A source store of journal <paramref name="journalId"/> with <paramref name="transactions"/>
    /// transactions in small segments (so its stream holds checkpoints and sync points), some
    /// cut into two records with others in between; all of it durable.
    /// </summary>
    public static SegmentStore CreateSource(string directory, Guid journalId, int transactions = 60)
    {
        var options = new StoreOptions { Header = JournalHeader.Create(journalId, 1, "refusal-source", "/data"), SegmentSize = 32 * 1024 };
        var store = SegmentStore.Open(directory, options);
        var rng = new Random(11);
        byte[]? held = null;
        for (ulong id = 1; id <= (ulong)transactions; id++)
        {
            var size = rng.Next(200, 3000);
            if (held is null && rng.Next(4) == 0)
            {
                var pieces = Records(id, size, pieces: 2, (ushort)(Stream + 1));
                store.Append(pieces[0]);
                held = pieces[1];
                continue;
            }
            store.Append(Records(id, size)[0]);
            if (held is not null)
            {
                store.Append(held);
                held = null;
            }
        }
        if (held is not null)
            store.Append(held);
        store.WaitDurable(store.WrittenPosition);
        return store;
    }

    /// <summary>
    /// A write of bytes seeded by the id to "file-ID" (created first in the same transaction
    /// with <paramref name="create"/>, so a mirror can apply it), as <paramref name="pieces"/>
    /// records (BEGIN first, END last).
    /// </summary>
    public static List<byte[]> Records(ulong id, int dataLength, int pieces = 1, ushort stream = Stream, bool create = false) =>
        SeededTransactions.Records(id, SeededTransactions.Payload(id, dataLength, $"file-{id}", create), pieces, stream);

    /// <summary>A store's bytes from position 0: its stream as a replica must hold it.</summary>
    public static byte[] StreamOf(SegmentStore store)
    {
        using var stream = store.OpenStream(0);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The records of a stream of whole records.</summary>
    public static List<RefusalRecord> Layout(byte[] stream)
    {
        var records = new List<RefusalRecord>();
        for (var at = 0; at < stream.Length;)
        {
            var header = RecordHeader.Parse(stream.AsSpan(at));
            var length = JournalFormat.AlignedRecordSize((int)header.RecordSize);
            records.Add(new RefusalRecord(at, length, header));
            at += length;
        }
        return records;
    }

    /// <summary>A secrets file of lines "UUID SECRET", private to its owner as the server requires, loaded.</summary>
    public static SecretBook Secrets(string path, params (Guid Journal, string Secret)[] lines)
    {
        File.WriteAllText(path, string.Concat(lines.Select(line => $"{line.Journal:D} {line.Secret}\n")));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return SecretBook.Load(path);
    }

    public static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(Guard);
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        return client;
    }

    /// <summary>
    /// The source's half of the handshake, byte for byte as docs/replication.md lays it out;
    /// returns the verdict, whose proof, when accepted, is asserted to be the target's.
    /// </summary>
    public static async Task<RefusalVerdict> HandshakeByHandAsync(System.IO.Stream stream, Guid journalId, byte[] syncPoint, byte[] secret)
    {
        using var timeout = new CancellationTokenSource(Guard);
        var nonce = RandomNumberGenerator.GetBytes(HandshakeProof.NonceSize);
        var hello = new byte[64 + syncPoint.Length];
        "VLLMREP1"u8.CopyTo(hello);
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(8), 2);
        Assert.True(journalId.TryWriteBytes(hello.AsSpan(12, 16)));
        nonce.CopyTo(hello, 28);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(60), (uint)syncPoint.Length);
        syncPoint.CopyTo(hello, 64);
        await stream.WriteAsync(hello, timeout.Token);

        var challenge = new byte[44];
        await stream.ReadExactlyAsync(challenge, timeout.Token);
        Assert.Equal("VLLMREP1"u8.ToArray(), challenge[..8]);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(challenge.AsSpan(8)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(challenge.AsSpan(10)));
        var targetNonce = challenge[12..];
        await stream.WriteAsync(HandshakeProof.Source(secret, journalId, nonce, targetNonce), timeout.Token);

        var head = new byte[4];
        await stream.ReadExactlyAsync(head, timeout.Token);
        var message = new byte[BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(2))];
        await stream.ReadExactlyAsync(message, timeout.Token);
        var status = BinaryPrimitives.ReadUInt16LittleEndian(head);
        Assert.InRange(status, 0, 1);
        if (status == 1)
            return new RefusalVerdict(false, Encoding.UTF8.GetString(message), 0, 0, nonce, targetNonce);
        Assert.Empty(message);
        var tail = new byte[48];
        await stream.ReadExactlyAsync(tail, timeout.Token);
        Assert.True(HandshakeProof.Matches(HandshakeProof.Target(secret, journalId, nonce, targetNonce), tail.AsSpan(0, 32)), "the target's proof is wrong");
        return new RefusalVerdict(true, "", BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(32)), BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(40)), nonce, targetNonce);
    }

    /// <summary>
    /// The target's half of the handshake by hand, refusing with <paramref name="reason"/> as
    /// a target that cannot take the journal does; returns the sync point the hello offered.
    /// </summary>
    public static async Task<byte[]> RefuseByHandAsync(System.IO.Stream stream, string reason)
    {
        using var timeout = new CancellationTokenSource(Guard);
        var hello = new byte[64];
        await stream.ReadExactlyAsync(hello, timeout.Token);
        Assert.Equal("VLLMREP1"u8.ToArray(), hello[..8]);
        var syncPoint = new byte[BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(60))];
        await stream.ReadExactlyAsync(syncPoint, timeout.Token);
        var challenge = new byte[44];
        "VLLMREP1"u8.CopyTo(challenge);
        BinaryPrimitives.WriteUInt16LittleEndian(challenge.AsSpan(8), 2);
        RandomNumberGenerator.Fill(challenge.AsSpan(12));
        await stream.WriteAsync(challenge, timeout.Token);
        await stream.ReadExactlyAsync(new byte[HandshakeProof.ProofSize], timeout.Token);
        var message = Encoding.UTF8.GetBytes(reason);
        var verdict = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(verdict, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(verdict.AsSpan(2), (ushort)message.Length);
        message.CopyTo(verdict, 4);
        await stream.WriteAsync(verdict, timeout.Token);
        return syncPoint;
    }

    /// <summary>The session's two keys for sealed frames, derived as docs/replication.md says, source to target first.</summary>
    public static (byte[] SourceToTarget, byte[] TargetToSource) SealedKeysByHand(byte[] secret, Guid journalId, RefusalVerdict verdict)
    {
        byte[] input = [.. verdict.SourceNonce, .. verdict.TargetNonce, .. secret];
        byte[] info = [.. "vellum-replication-v2 keys"u8, .. journalId.ToByteArray()];
        var keys = HKDF.DeriveKey(HashAlgorithmName.SHA256, input, 32, salt: "vellum-replication-v2 sealed frames"u8.ToArray(), info);
        return (keys[..16], keys[16..]);
    }

    /// <summary>Frame number <paramref name="number"/> of one direction, sealed as docs/replication.md lays it out.</summary>
    public static byte[] SealedFrameByHand(byte[] key, ulong number, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(FrameNonce(number), payload, frame.AsSpan(4, payload.Length), frame.AsSpan(4 + payload.Length), frame.AsSpan(0, 4));
        return frame;
    }

    /// <summary>Reads and opens frame number <paramref name="number"/> as docs/replication.md lays it out; returns its payload.</summary>
    public static async Task<byte[]> OpenFrameByHandAsync(System.IO.Stream stream, byte[] key, ulong number)
    {
        using var timeout = new CancellationTokenSource(Guard);
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, timeout.Token);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        Assert.InRange(length, 0u, 1u << 20);
        var body = new byte[length + 16];
        await stream.ReadExactlyAsync(body, timeout.Token);
        var payload = new byte[length];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(FrameNonce(number), body.AsSpan(0, (int)length), body.AsSpan((int)length), payload, header);
        return payload;
    }

    private static byte[] FrameNonce(ulong number)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(nonce, number);
        return nonce;
    }

    /// <summary>
    /// Ends the source's side (FIN, not a reset) and reads what the target still sends,
    /// acknowledgements and its closing note, until it closes: the target has then ended the
    /// session. Returns what it sent.
    /// </summary>
    public static async Task<byte[]> FinishAsync(NetworkStream stream)
    {
        var received = new MemoryStream();
        try
        {
            stream.Socket.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(Guard);
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (Exception closed) when (closed is IOException or SocketException)
        {
            // The target closed with bytes of ours unread: a reset, which is as final as an end.
        }
        return received.ToArray();
    }

    /// <summary>The text of the closing note (an annotation record, docs/replication.md) among the target's records; null without one.</summary>
    public static string? ClosingNoteIn(byte[] records)
    {
        string? note = null;
        foreach (var record in Layout(records))
        {
            var bytes = records.AsSpan((int)record.Start, record.Length);
            Assert.Null(RecordCheck.Body(bytes, record.Header, record.Start));
            if (record.Header.StreamField == (StreamId.Annotation | StreamId.Begin | StreamId.End))
                note = Encoding.UTF8.GetString(bytes[JournalFormat.HeaderSize..((int)record.Header.RecordSize - JournalFormat.TrailerSize)]);
            else
                Assert.Equal(StreamId.Ack | StreamId.Begin | StreamId.End, record.Header.StreamField);
        }
        return note;
    }

    /// <summary>The payloads of the sealed frames in <paramref name="wire"/>, numbered from <paramref name="first"/>, opened as docs/replication.md lays them out.</summary>
    public static byte[] OpenFramesByHand(byte[] wire, byte[] key, ulong first)
    {
        var payloads = new MemoryStream();
        using var aes = new AesGcm(key, 16);
        for (int at = 0; at < wire.Length; first++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(wire.AsSpan(at));
            var payload = new byte[length];
            aes.Decrypt(FrameNonce(first), wire.AsSpan(at + 4, length), wire.AsSpan(at + 4 + length, 16), payload, wire.AsSpan(at, 4));
            payloads.Write(payload);
            at += 4 + length + 16;
        }
        return payloads.ToArray();
    }
}

/// <summary>A target's verdict as read off the wire: refused with its message, or accepted with where to resume; and the handshake's nonces.</summary>
internal sealed record RefusalVerdict(bool Accepted, string Message, long Resume, long Durable, byte[] SourceNonce, byte[] TargetNonce);

/// <summary>A record of a stream: where it starts, the bytes it occupies and its header.</summary>
internal readonly record struct RefusalRecord(long Start, int Length, RecordHeader Header)
{
    public long End => Start + Length;
}
