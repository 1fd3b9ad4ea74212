using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

public sealed class ServerPinTests : IDisposable
{
    // What TLS reports for a self-signed certificate reached by an address it does not name.
    private const SslPolicyErrors SelfSignedElsewhere = SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch;

    private readonly string _directory = Directory.CreateTempSubdirectory("vellum-pin-").FullName;
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2 _other;

    public ServerPinTests()
    {
        _certificate = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "a"), out _);
        _other = ServerCertificate.LoadOrCreate(Path.Combine(_directory, "b"), out _);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _other.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Every_accepted_spelling_of_a_fingerprint_pins_the_same_certificate()
    {
        var hex = ServerCertificate.Fingerprint(_certificate)["sha256:".Length..];
        var colons = string.Join(':', hex.Chunk(2).Select(pair => new string(pair)));
        string[] spellings = [
            "sha256:" + hex,
            hex,
            hex.ToUpperInvariant(),
            "SHA256:" + hex.ToUpperInvariant(),
            colons,
            "sha256:" + colons.ToUpperInvariant(),
            " sha256:" + hex + "\n",
        ];

        foreach (var spelling in spellings)
        {
            var pin = ServerPin.Fingerprint(spelling);
            Assert.True(pin.Validate(_certificate, null, SelfSignedElsewhere, out var problem), spelling);
            Assert.Equal("", problem);
            Assert.False(pin.Validate(_other, null, SslPolicyErrors.None, out _), spelling);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:")]
    [InlineData("sha1:0123456789abcdef0123456789abcdef01234567")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg")]
    [InlineData("01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:e:f")]
    [InlineData("0123:4567:89ab:cdef:0123:4567:89ab:cdef:0123:4567:89ab:cdef:0123:4567:89ab:cdef")]
    public void Anything_but_a_SHA256_fingerprint_is_refused_with_the_text_quoted(string text)
    {
        var error = Assert.Throws<FormatException>(() => ServerPin.Fingerprint(text));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("64 hex digits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fingerprint_pin_refuses_a_missing_certificate()
    {
        var pin = ServerPin.Fingerprint(ServerCertificate.Fingerprint(_certificate));

        Assert.False(pin.Validate(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, out var problem));
        Assert.Equal("the server presented no certificate", problem);
    }

    [Fact]
    public void The_callback_reports_a_rejection_and_nothing_on_acceptance()
    {
        var rejections = new List<string>();
        var callback = ServerPin.Fingerprint(ServerCertificate.Fingerprint(_certificate)).Callback(rejections.Add);

        Assert.True(callback(this, _certificate, null, SelfSignedElsewhere));
        Assert.Empty(rejections);
        Assert.False(callback(this, _other, null, SslPolicyErrors.None));
        Assert.StartsWith($"server certificate {ServerCertificate.Fingerprint(_other)} does not match", Assert.Single(rejections), StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_file_without_a_certificate_is_named_in_the_error()
    {
        var path = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(path, "no certificate here\n");

        var error = Assert.Throws<InvalidDataException>(() => ServerPin.CertificateAuthority(path));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
    }
}
