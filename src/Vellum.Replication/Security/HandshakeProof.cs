using System.Security.Cryptography;
using System.Text;

namespace Vellum.Replication.Security;

/// <summary>
/// Proofs that a replication peer knows the journal's shared secret without sending it:
/// HMAC-SHA256 keyed by the secret over a role label, the journal id and both nonces.
/// </summary>
/// <remarks>
/// The role label keeps a target from replaying a source's proof back to it (and the other
/// way round); each side's fresh nonce keeps a recorded proof from being replayed on a
/// later connection. The nonces are fixed-size, so the concatenation is unambiguous.
/// Changing the message layout is a protocol change: the "v1" in the label goes with it.
/// </remarks>
public static class HandshakeProof
{
    public const int NonceSize = 32;
    public const int ProofSize = 32;

    private static readonly byte[] SourceLabel = Encoding.ASCII.GetBytes("vellum-replication-v1 source");
    private static readonly byte[] TargetLabel = Encoding.ASCII.GetBytes("vellum-replication-v1 target");

    /// <summary>The source's proof, which the target checks.</summary>
    public static byte[] Source(ReadOnlySpan<byte> secret, Guid journalId, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> targetNonce)
        => Compute(SourceLabel, secret, journalId, sourceNonce, targetNonce);

    /// <summary>The target's proof, which the source checks.</summary>
    public static byte[] Target(ReadOnlySpan<byte> secret, Guid journalId, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> targetNonce)
        => Compute(TargetLabel, secret, journalId, sourceNonce, targetNonce);

    /// <summary>Compares in time independent of where the proofs differ, so a forger learns nothing from how fast it is refused.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received)
        => CryptographicOperations.FixedTimeEquals(expected, received);

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceSize);

    private static byte[] Compute(byte[] label, ReadOnlySpan<byte> secret, Guid journalId, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> targetNonce)
    {
        CheckNonce(sourceNonce, nameof(sourceNonce));
        CheckNonce(targetNonce, nameof(targetNonce));
        Span<byte> message = stackalloc byte[label.Length + 16 + 2 * NonceSize];
        label.CopyTo(message);
        journalId.TryWriteBytes(message[label.Length..]);
        sourceNonce.CopyTo(message[(label.Length + 16)..]);
        targetNonce.CopyTo(message[(label.Length + 16 + NonceSize)..]);
        return HMACSHA256.HashData(secret, message);
    }

    private static void CheckNonce(ReadOnlySpan<byte> nonce, string name)
    {
        if (nonce.Length != NonceSize)
            throw new ArgumentException($"a nonce is {NonceSize} bytes, this one {nonce.Length}", name);
    }
}
