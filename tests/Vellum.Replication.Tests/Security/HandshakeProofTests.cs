using System.Security.Cryptography;
using System.Text;
using Vellum.Replication.Security;
using static Vellum.Replication.Tests.Security.HandshakeVectors;

namespace Vellum.Replication.Tests.Security;

public sealed class HandshakeProofTests
{
    [Fact]
    public void Proofs_match_vectors_computed_outside_dotnet()
    {
        // Python: hmac.new(secret, b"vellum-replication-v1 " + role + uuid.UUID(journal).bytes_le + source_nonce + target_nonce, sha256)
        Assert.Equal("1f7330beaeb8253a126ffba1c55dbaf6a542188917152de4c45be72253e19cc1",
            Convert.ToHexStringLower(HandshakeProof.Source(Secret, JournalId, SourceNonce, TargetNonce)));
        Assert.Equal("90a309a2be9273c0d768750ea8ec13d848de78830ae62a6b4d2586255e1a5088",
            Convert.ToHexStringLower(HandshakeProof.Target(Secret, JournalId, SourceNonce, TargetNonce)));
    }

    [Fact]
    public void Proofs_match_an_HMAC_computed_piece_by_piece()
    {
        var secret = RandomNumberGenerator.GetBytes(24);
        var journal = Guid.NewGuid();
        var sourceNonce = HandshakeProof.NewNonce();
        var targetNonce = HandshakeProof.NewNonce();

        Assert.Equal(Expected("source", secret, journal, sourceNonce, targetNonce), HandshakeProof.Source(secret, journal, sourceNonce, targetNonce));
        Assert.Equal(Expected("target", secret, journal, sourceNonce, targetNonce), HandshakeProof.Target(secret, journal, sourceNonce, targetNonce));
    }

    [Fact]
    public void Every_input_changes_the_proof()
    {
        var proof = HandshakeProof.Source(Secret, JournalId, SourceNonce, TargetNonce);
        byte[][] others = [
            HandshakeProof.Target(Secret, JournalId, SourceNonce, TargetNonce),
            HandshakeProof.Source(Encoding.UTF8.GetBytes("0123456789abcdef0124"), JournalId, SourceNonce, TargetNonce),
            HandshakeProof.Source(Secret, Guid.Parse("00112233-4455-6677-8899-aabbccddeef0"), SourceNonce, TargetNonce),
            HandshakeProof.Source(Secret, JournalId, Flip(SourceNonce), TargetNonce),
            HandshakeProof.Source(Secret, JournalId, SourceNonce, Flip(TargetNonce)),
            HandshakeProof.Source(Secret, JournalId, TargetNonce, SourceNonce),
        ];

        Assert.Equal(HandshakeProof.ProofSize, proof.Length);
        Assert.All(others, other => Assert.False(HandshakeProof.Matches(proof, other)));
        Assert.Equal(others.Length, others.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Matches_accepts_only_the_identical_proof()
    {
        var proof = HandshakeProof.Target(Secret, JournalId, SourceNonce, TargetNonce);

        Assert.True(HandshakeProof.Matches(proof, proof.ToArray()));
        Assert.False(HandshakeProof.Matches(proof, Flip(proof)));
        Assert.False(HandshakeProof.Matches(proof, proof.AsSpan(0, HandshakeProof.ProofSize - 1)));
        Assert.False(HandshakeProof.Matches(proof, []));
    }

    [Fact]
    public void A_nonce_of_the_wrong_size_is_refused()
    {
        Assert.Throws<ArgumentException>("sourceNonce", () => HandshakeProof.Source(Secret, JournalId, SourceNonce.AsSpan(1), TargetNonce));
        Assert.Throws<ArgumentException>("targetNonce", () => HandshakeProof.Target(Secret, JournalId, SourceNonce, [.. TargetNonce, 0]));
    }

    [Fact]
    public void Nonces_are_fresh_and_full_size()
    {
        var first = HandshakeProof.NewNonce();
        var second = HandshakeProof.NewNonce();

        Assert.Equal(HandshakeProof.NonceSize, first.Length);
        Assert.Equal(HandshakeProof.NonceSize, second.Length);
        Assert.NotEqual(first, second);
    }

    private static byte[] Expected(string role, byte[] secret, Guid journal, byte[] sourceNonce, byte[] targetNonce)
    {
        using var hmac = new HMACSHA256(secret);
        byte[] message = [.. Encoding.ASCII.GetBytes("vellum-replication-v1 " + role), .. journal.ToByteArray(), .. sourceNonce, .. targetNonce];
        return hmac.ComputeHash(message);
    }

    /// <summary>A copy with the lowest bit of the last byte flipped.</summary>
    private static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[^1] ^= 1;
        return copy;
    }
}
