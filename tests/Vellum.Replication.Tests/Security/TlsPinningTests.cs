using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

/// <summary>Both kinds of <see cref="ServerPin"/> deciding real TLS handshakes over loopback.</summary>
public sealed class TlsPinningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_generated_certificate_pinned_by_its_fingerprint_is_accepted()
    {
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "tls"), out var created);
        Assert.True(created);

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.Fingerprint(ServerCertificate.Fingerprint(certificate)));

        Assert.True(outcome.Accepted);
        Assert.Empty(outcome.Rejections);
    }

    [Fact]
    public async Task A_generated_certificate_loaded_back_from_its_files_still_serves_tls()
    {
        var directory = Path.Combine(_directory, "tls");
        ServerCertificate.LoadOrCreate(directory, out _).Dispose();
        using var certificate = ServerCertificate.LoadOrCreate(directory, out var created);
        Assert.False(created);

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.Fingerprint(ServerCertificate.Fingerprint(certificate)));

        Assert.True(outcome.Accepted);
    }

    [Fact]
    public async Task A_fingerprint_pin_accepts_any_host_name_for_the_pinned_certificate()
    {
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "tls"), out _);

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.Fingerprint(ServerCertificate.Fingerprint(certificate)), "replica.example");

        Assert.True(outcome.Accepted);
    }

    [Fact]
    public async Task A_wrong_fingerprint_is_refused_with_both_fingerprints_named()
    {
        using var served = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "served"), out _);
        using var other = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "other"), out _);
        var pinned = ServerCertificate.Fingerprint(other);

        var outcome = await TlsLoopback.HandshakeAsync(served, ServerPin.Fingerprint(pinned));

        Assert.False(outcome.Accepted);
        var rejection = Assert.Single(outcome.Rejections);
        Assert.Equal($"server certificate {ServerCertificate.Fingerprint(served)} does not match the pinned {pinned}", rejection);
    }

    [Fact]
    public async Task A_certificate_issued_by_the_pinned_CA_is_accepted()
    {
        using var authority = new TestAuthority("Vellum Test CA");
        using var certificate = authority.Issue("localhost");

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.CertificateAuthority(authority.WritePem(Path.Combine(_directory, "ca.pem"))));

        Assert.True(outcome.Accepted);
        Assert.Empty(outcome.Rejections);
    }

    [Fact]
    public async Task A_certificate_from_an_intermediate_CA_the_server_sends_is_accepted_under_the_pinned_root()
    {
        using var root = new TestAuthority("Vellum Test Root");
        using var intermediate = new TestAuthority("Vellum Test Intermediate", root);
        using var certificate = intermediate.Issue("localhost");
        var pin = ServerPin.CertificateAuthority(root.WritePem(Path.Combine(_directory, "root.pem")));

        var outcome = await TlsLoopback.HandshakeAsync(certificate, pin, intermediates: [intermediate.Certificate]);

        Assert.True(outcome.Accepted, string.Join("; ", outcome.Rejections));
    }

    [Fact]
    public async Task A_CA_pin_refuses_a_certificate_issued_by_a_different_CA()
    {
        using var issuer = new TestAuthority("Issuing CA");
        using var pinned = new TestAuthority("Pinned CA");
        using var certificate = issuer.Issue("localhost");
        var caFile = pinned.WritePem(Path.Combine(_directory, "ca.pem"));

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.CertificateAuthority(caFile));

        Assert.False(outcome.Accepted);
        var rejection = Assert.Single(outcome.Rejections);
        Assert.Contains("CN=localhost", rejection, StringComparison.Ordinal);
        Assert.Contains("CN=Issuing CA", rejection, StringComparison.Ordinal);
        Assert.Contains(caFile, rejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CA_pin_refuses_a_certificate_from_its_CA_for_another_host()
    {
        using var authority = new TestAuthority("Vellum Test CA");
        using var certificate = authority.Issue("localhost");

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.CertificateAuthority(authority.WritePem(Path.Combine(_directory, "ca.pem"))), "replica.example");

        Assert.False(outcome.Accepted);
        Assert.Contains("does not name the host", Assert.Single(outcome.Rejections), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CA_pin_refuses_a_self_signed_certificate()
    {
        using var authority = new TestAuthority("Vellum Test CA");
        using var certificate = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "tls"), out _);

        var outcome = await TlsLoopback.HandshakeAsync(certificate, ServerPin.CertificateAuthority(authority.WritePem(Path.Combine(_directory, "ca.pem"))));

        Assert.False(outcome.Accepted);
        Assert.Contains("is not trusted by the CA", Assert.Single(outcome.Rejections), StringComparison.Ordinal);
    }
}
