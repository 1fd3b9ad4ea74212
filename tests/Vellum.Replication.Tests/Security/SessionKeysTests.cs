using System.Text;
using Vellum.Replication.Security;
using static Vellum.Replication.Tests.Security.HandshakeVectors;

namespace Vellum.Replication.Tests.Security;

public sealed class SessionKeysTests
{
    [Fact]
    public void Keys_match_vectors_computed_outside_dotnet()
    {
        // Python, HKDF-SHA256 by hand: prk = hmac(b"vellum-replication-v2 sealed frames", source_nonce + target_nonce + secret);
        // okm = hmac(prk, b"vellum-replication-v2 keys" + uuid.UUID(journal).bytes_le + b"\x01").
        var keys = SessionKeys.Derive(Secret, JournalId, SourceNonce, TargetNonce);

        Assert.Equal("1655815971e25dc52b37dd1d51e98f4d", Convert.ToHexStringLower(keys.SourceToTarget));
        Assert.Equal("c0a180f0632caaf05db346110e6c330a", Convert.ToHexStringLower(keys.TargetToSource));
    }

    [Fact]
    public void Every_input_changes_both_keys()
    {
        var keys = SessionKeys.Derive(Secret, JournalId, SourceNonce, TargetNonce);
        byte[] otherNonce = [.. SourceNonce.Reverse()];
        SessionKeys[] others =
        [
            SessionKeys.Derive(Encoding.UTF8.GetBytes("0123456789abcdef0124"), JournalId, SourceNonce, TargetNonce),
            SessionKeys.Derive(Secret, Guid.NewGuid(), SourceNonce, TargetNonce),
            SessionKeys.Derive(Secret, JournalId, otherNonce, TargetNonce),
            SessionKeys.Derive(Secret, JournalId, SourceNonce, otherNonce),
            // Swapping the nonces must not swap the roles' keys.
            SessionKeys.Derive(Secret, JournalId, TargetNonce, SourceNonce),
        ];

        Assert.NotEqual(keys.SourceToTarget, keys.TargetToSource);
        foreach (var other in others)
        {
            Assert.NotEqual(keys.SourceToTarget, other.SourceToTarget);
            Assert.NotEqual(keys.TargetToSource, other.TargetToSource);
            Assert.NotEqual(keys.SourceToTarget, other.TargetToSource);
        }
    }
}
