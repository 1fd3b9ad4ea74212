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

    /// <summary>Source to target: which journal, a fresh nonce, and the journal's first record (its sync point at store position 0); what the session is for.</summary>
    public sealed record Hello(Guid JournalId, byte[] Nonce, byte[] SyncPoint, SessionKind Kind = SessionKind.Replicate);

    /// <summary>Target to source: its nonce; the source answers with its proof.</summary>
    public sealed record Challenge(byte[] Nonce);

    /// <summary>Target to source, last: refused with a reason, or accepted with the target's proof and where to resume.</summary>
    /// <param name="NoCopy">Refused a fetch session because the target holds no copy of the journal, or one of another history (status 2).</param>
    public sealed record Verdict(bool Accepted, string Message, byte[] Proof, long Resume, long Durable, bool NoCopy = false);

    public static async ValueTask WriteHelloAsync(Stream stream, Hello hello, CancellationToken cancellation)
    {
        var message = new byte[HelloFixedSize + hello.SyncPoint.Length];
        WriteMagic(message);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(10), (ushort)hello.Kind);
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
        CheckMagic(head, "hello");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(60));
        if (length > WireFormat.MaxSyncPointSize)
            throw new ReplicationRefusedException($"the hello announces a sync point of {length} bytes, above the limit of {WireFormat.MaxSyncPointSize}");
        var kind = (SessionKind)BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        if (kind is not (SessionKind.Replicate or SessionKind.Fetch))
            throw new ReplicationRefusedException($"the hello asks for a session of kind {(ushort)kind}, which this target does not know (0 replicate, 1 fetch)");
        var syncPoint = new byte[length];
        await stream.ReadExactAsync(syncPoint, "hello's sync point", cancellation).ConfigureAwait(false);
        return new Hello(new Guid(head.AsSpan(12, 16)), head.AsSpan(28, NonceSize).ToArray(), syncPoint, kind);
    }

    public static async ValueTask WriteChallengeAsync(Stream stream, Challenge challenge, CancellationToken cancellation)
    {
        var message = new byte[ChallengeSize];
        WriteMagic(message);
        challenge.Nonce.CopyTo(message.AsSpan(12));
        await stream.WriteAsync(message, cancellation).ConfigureAwait(false);
        await stream.FlushAsync(cancellation).ConfigureAwait(false);
    }

    public static async ValueTask<Challenge> ReadChallengeAsync(Stream stream, CancellationToken cancellation)
    {
        var message = new byte[ChallengeSize];
        await stream.ReadExactAsync(message, "challenge", cancellation).ConfigureAwait(false);
        CheckMagic(message, "challenge");
        return new Challenge(message.AsSpan(12).ToArray());
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

    private static void WriteMagic(Span<byte> message)
    {
        WireFormat.Magic.CopyTo(message);
        BinaryPrimitives.WriteUInt16LittleEndian(message[8..], WireFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(message[10..], 0);
    }

    private static void CheckMagic(ReadOnlySpan<byte> message, string what)
    {
        if (!message[..8].SequenceEqual(WireFormat.Magic))
            throw new ReplicationRefusedException($"not a Vellum replication peer: its {what} starts with {Convert.ToHexString(message[..8])}, expected {Convert.ToHexString(WireFormat.Magic)} (\"VLLMREP1\")");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(message[8..]);
        if (version != WireFormat.Version)
            throw new ReplicationRefusedException($"the peer speaks replication protocol version {version}; this one speaks {WireFormat.Version}");
    }
}
