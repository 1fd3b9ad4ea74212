using System.Security.Cryptography;
using System.Text;

namespace Vellum.Replication.Security;

/// <summary>
/// The two AES-128-GCM keys of a session's sealed frames (docs/replication.md, "Sealed
/// frames"), one per direction, derived by both peers after an accepted verdict.
/// </summary>
/// <remarks>
/// Input: both handshake nonces, which crossed inside TLS (so only the two peers know them,
/// and TLS 1.3's ephemeral key exchange keeps them secret even from someone who later learns
/// the server's key), and the journal's secret, so a session's keys also need what proved
/// the source. Fresh nonces make fresh keys per session, which is what lets every frame
/// number start at 0. Changing the derivation is a protocol change: the "v2" in the labels
/// goes with it.
/// </remarks>
public sealed record SessionKeys(byte[] SourceToTarget, byte[] TargetToSource)
{
    public const int KeySize = 16;

    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("vellum-replication-v2 sealed frames");
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("vellum-replication-v2 keys");

    /// <summary>HKDF-SHA256: extract with the label as salt from source nonce ‖ target nonce ‖ secret, expand to 32 bytes with the label ‖ journal id; the first 16 seal what the source sends.</summary>
    public static SessionKeys Derive(ReadOnlySpan<byte> secret, Guid journalId, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> targetNonce)
    {
        if (sourceNonce.Length != HandshakeProof.NonceSize || targetNonce.Length != HandshakeProof.NonceSize)
            throw new ArgumentException($"nonces are {HandshakeProof.NonceSize} bytes");
        var input = new byte[2 * HandshakeProof.NonceSize + secret.Length];
        sourceNonce.CopyTo(input);
        targetNonce.CopyTo(input.AsSpan(HandshakeProof.NonceSize));
        secret.CopyTo(input.AsSpan(2 * HandshakeProof.NonceSize));
        Span<byte> info = stackalloc byte[Info.Length + 16];
        Info.CopyTo(info);
        journalId.TryWriteBytes(info[Info.Length..]);
        Span<byte> keys = stackalloc byte[2 * KeySize];
        var pseudorandom = HKDF.Extract(HashAlgorithmName.SHA256, input, Salt);
        HKDF.Expand(HashAlgorithmName.SHA256, pseudorandom, keys, info);
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(pseudorandom);
        return new SessionKeys(keys[..KeySize].ToArray(), keys[KeySize..].ToArray());
    }
}
