using System.Text;

namespace Vellum.Replication.Tests.Security;

/// <summary>The inputs of the test vectors in docs/replication.md: proofs and sealed-frame keys.</summary>
internal static class HandshakeVectors
{
    public static readonly byte[] Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123");
    public static readonly Guid JournalId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
    public static readonly byte[] SourceNonce = [.. Enumerable.Range(0, 32).Select(value => (byte)value)];
    public static readonly byte[] TargetNonce = [.. Enumerable.Range(32, 32).Select(value => (byte)value)];
}
