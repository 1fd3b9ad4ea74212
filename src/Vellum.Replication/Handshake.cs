using System.Buffers.Binary;
using System.Text;
using Vellum.Replication.Security;

namespace Vellum.Replication;

/// <summary>
/// The four handshake messages (docs/replication.md, "Handshake"), each written and read
/// whole. Every length is checked before anything is allocated for it, so a hostile peer
/// can make a reader allocate at most <see cref="WireFormat.MaxSyncPointSize"/>.
/// </summary>
internal static class Handshake
{
    private const int NonceSize = HandshakeProof.NonceSize;
    private const int ProofSize = HandshakeProof.ProofSize;
    private const int HelloFixedSize = 64;
    private const int ChallengeSize = 12 + NonceSize;
    private const int VerdictFixedSize = 4;
    private const int AcceptedTailSize = ProofSize + 16;

    /// <summary>
    /// Source to target: which journal, a fresh nonce, the journal's first record (its sync
    /// point at store position 0), and the protocol versions the source speaks, oldest to newest.
    /// </summary>
    public sealed record Hello(Guid JournalId, byte[] Nonce, byte[] SyncPoint)
    {
        /// <summary>What the session is for: a fetch hello starts with <see cref="WireFormat.FetchMagic"/> and names version 4 only.</summary>
        public SessionKind Kind { get; init; } = SessionKind.Replicate;

        public ushort OldestVersion { get; init; } = WireFormat.OldestVersion;

        public ushort NewestVersion { get; init; } = WireFormat.Version;

        /// <summary>
        /// The version a session with this source speaks: the newest both sides speak; null
        /// when they have none in common.
        /// </summary>
        public ushort? SessionVersion()
        {
            var version = Math.Min(NewestVersion, WireFormat.Version);
            return version >= Math.Max(OldestVersion, WireFormat.OldestVersion) ? version : null;
        }
    }

    /// <summary>
    /// Target to source: its nonce, and the version the session speaks (with a source it shares
    /// none with: its own newest, and it closes); the source answers with its proof.
    /// </summary>
    public sealed record Challenge(byte[] Nonce, ushort Version = WireFormat.Version);

    /// <summary>Target to source, last: refused with a reason, or accepted with the target's proof and where to resume.</summary>
    /// <param name="NoCopy">Refused a fetch session because the target holds no copy of the journal, or one of another history (status 2).</param>
    public sealed record Verdict(bool Accepted, string Message, byte[] Proof, long Resume, long Durable, bool NoCopy = false);

    public static async ValueTask WriteHelloAsync(Stream stream, Hello hello, CancellationToken cancellation)
    {
        var message = new byte[HelloFixedSize + hello.SyncPoint.Length];
        // The oldest version where a target before version 3 reads the one it must speak; the newest in what it took for reserved.
        WriteMagic(message, hello.OldestVersion, hello.NewestVersion);
        if (hello.Kind == SessionKind.Fetch)
            WireFormat.FetchMagic.CopyTo(message);
        hello.JournalId.TryWriteBytes(message.AsSpan(12, 16));
        hello.Nonce.CopyTo(message.AsSpan(28, NonceSize));
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(60), (uint)hello.SyncPoint.Length);
        hello.SyncPoint.CopyTo(message.AsSpan(HelloFixedSize));
        await stream.WriteAsync(message, cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    /// <returns>The hello, or null when the peer closed the connection before sending a byte of it.</returns>
    public static async ValueTask<Hello?> ReadHelloAsync(Stream stream, CancellationToken cancellation)
    {
        var head = new byte[HelloFixedSize];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (read == 0)
            return null;
        if (read < head.Length)
            throw new ReplicationRefusedException($"the connection ended inside the hello ({read} of {head.Length} bytes received)");
        var kind = head.AsSpan(0, 8).SequenceEqual(WireFormat.FetchMagic) ? SessionKind.Fetch : SessionKind.Replicate;
        if (kind == SessionKind.Replicate)
            CheckMagic(head, "hello");
        var oldest = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(8));
        var newest = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        var length = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(60));
        if (length > WireFormat.MaxSyncPointSize)
            throw new ReplicationRefusedException($"the hello announces a sync point of {length} bytes, above the limit of {WireFormat.MaxSyncPointSize}");
        var syncPoint = new byte[length];
        await stream.ReadExactAsync(syncPoint, "hello's sync point", cancellation).ConfigureAwait(false);
        return new Hello(new Guid(head.AsSpan(12, 16)), head.AsSpan(28, NonceSize).ToArray(), syncPoint)
        {
            OldestVersion = oldest,
            // A source before version 3 wrote zero there and speaks only its one version.
            NewestVersion = newest == 0 ? oldest : newest,
            Kind = kind,
        };
    }

    /// <summary>The versions a hello's source speaks, in words, for a refusal.</summary>
    public static string Versions(Hello hello) =>
        hello.OldestVersion == hello.NewestVersion ? $"version {hello.OldestVersion}" : $"versions {hello.OldestVersion} to {hello.NewestVersion}";

    public static async ValueTask WriteChallengeAsync(Stream stream, Challenge challenge, CancellationToken cancellation)
    {
        var message = new byte[ChallengeSize];
        WriteMagic(message, challenge.Version, 0);
        challenge.Nonce.CopyTo(message.AsSpan(12));
        await stream.WriteAsync(message, cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    public static async ValueTask<Challenge> ReadChallengeAsync(Stream stream, CancellationToken cancellation)
    {
        var message = new byte[ChallengeSize];
        await stream.ReadExactAsync(message, "challenge", cancellation).ConfigureAwait(false);
        CheckMagic(message, "challenge");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(8));
        if (version is < WireFormat.OldestVersion or > WireFormat.Version)
            throw new ReplicationRefusedException(
                $"the target speaks replication protocol version {version}; this source speaks versions {WireFormat.OldestVersion} to {WireFormat.Version}: run the same version of vellum on both sides")
            {
                Condition = TargetCondition.Refused,
            };
        return new Challenge(message.AsSpan(12).ToArray(), version);
    }

    public static async ValueTask WriteProofAsync(Stream stream, byte[] proof, CancellationToken cancellation)
    {
        await stream.WriteAsync(proof.AsMemory(0, ProofSize), cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    public static async ValueTask<byte[]> ReadProofAsync(Stream stream, CancellationToken cancellation)
    {
        var proof = new byte[ProofSize];
        await stream.ReadExactAsync(proof, "proof", cancellation).ConfigureAwait(false);
        return proof;
    }

    public static async ValueTask WriteVerdictAsync(Stream stream, Verdict verdict, CancellationToken cancellation)
    {
        var text = Encoding.UTF8.GetBytes(verdict.Message);
        if (text.Length > WireFormat.MaxMessageSize)
            text = text.AsSpan(0, WireFormat.MaxMessageSize).ToArray();
        var message = new byte[VerdictFixedSize + text.Length + (verdict.Accepted ? AcceptedTailSize : 0)];
        BinaryPrimitives.WriteUInt16LittleEndian(message, verdict.Accepted ? (ushort)0 : verdict.NoCopy ? (ushort)2 : (ushort)1);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(2), (ushort)text.Length);
        text.CopyTo(message.AsSpan(VerdictFixedSize));
        if (verdict.Accepted)
        {
            var tail = message.AsSpan(VerdictFixedSize + text.Length);
            verdict.Proof.CopyTo(tail);
            BinaryPrimitives.WriteInt64LittleEndian(tail[ProofSize..], verdict.Resume);
            BinaryPrimitives.WriteInt64LittleEndian(tail[(ProofSize + 8)..], verdict.Durable);
        }
        await stream.WriteAsync(message, cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    public static async ValueTask<Verdict> ReadVerdictAsync(Stream stream, CancellationToken cancellation)
    {
        var head = new byte[VerdictFixedSize];
        await stream.ReadExactAsync(head, "verdict", cancellation).ConfigureAwait(false);
        var status = BinaryPrimitives.ReadUInt16LittleEndian(head);
        var length = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(2));
        if (status > 2 || length > WireFormat.MaxMessageSize)
            throw new ReplicationRefusedException($"the target's verdict is malformed (status {status}, message of {length} bytes)");
        var text = new byte[length];
        await stream.ReadExactAsync(text, "verdict's message", cancellation).ConfigureAwait(false);
        var message = Encoding.UTF8.GetString(text);
        if (status != 0)
            return new Verdict(false, message, [], 0, 0, NoCopy: status == 2);
        var tail = new byte[AcceptedTailSize];
        await stream.ReadExactAsync(tail, "verdict", cancellation).ConfigureAwait(false);
        return new Verdict(true, message, tail.AsSpan(0, ProofSize).ToArray(),
            BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(ProofSize)), BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(ProofSize + 8)));
    }

    private static void WriteMagic(Span<byte> message, ushort version, ushort second)
    {
        WireFormat.Magic.CopyTo(message);
        BinaryPrimitives.WriteUInt16LittleEndian(message[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(message[10..], second);
    }

    /// <summary>The magic; the versions are the session's to judge (<see cref="Hello.SessionVersion"/>, <see cref="ReadChallengeAsync"/>).</summary>
    private static void CheckMagic(ReadOnlySpan<byte> message, string what)
    {
        if (!message[..8].SequenceEqual(WireFormat.Magic))
            throw new ReplicationRefusedException($"not a Vellum replication peer: its {what} starts with {Convert.ToHexString(message[..8])}, expected {Convert.ToHexString(WireFormat.Magic)} (\"VLLMREP1\")");
    }
}
