using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vellum.Replication.Security;

namespace Vellum.Replication.Tests.Security;

public sealed class ServerCertificateTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root = Directory.CreateTempSubdirectory("vellum-cert-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string TlsDirectory => Path.Combine(_root, "tls");

    private string CertificatePath => Path.Combine(TlsDirectory, "cert.pem");

    private string KeyPath => Path.Combine(TlsDirectory, "key.pem");

    [Fact]
    public void Loading_or_creating_twice_returns_the_same_certificate_and_keeps_the_key_private()
    {
        string first;
        using (var created = ServerCertificate.LoadOrCreate(TlsDirectory, out var wasCreated))
        {
            Assert.True(wasCreated);
            first = ServerCertificate.Fingerprint(created);
        }
        using var loaded = ServerCertificate.LoadOrCreate(TlsDirectory, out var createdAgain);

        Assert.False(createdAgain);
        Assert.Equal(first, ServerCertificate.Fingerprint(loaded));
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(TlsDirectory));
        Assert.Equal(Private, File.GetUnixFileMode(KeyPath));
        Assert.Equal(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(CertificatePath));
        Assert.Equal(["cert.pem", "key.pem"], Directory.GetFiles(TlsDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_generated_certificate_is_a_ten_year_P256_server_certificate_for_the_loopback_names()
    {
        using var certificate = ServerCertificate.LoadOrCreate(TlsDirectory, out _);

        Assert.Equal("CN=vellum serve", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        using (var key = certificate.GetECDsaPrivateKey())
        {
            Assert.NotNull(key);
            Assert.Equal(256, key.KeySize);
            Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        }
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], usages.Cast<Oid>().Select(usage => usage.Value));
        var lifetime = certificate.NotAfter - certificate.NotBefore;
        Assert.InRange(lifetime.TotalDays, 3650, 3654);
        Assert.InRange(certificate.NotBefore, DateTime.Now.AddDays(-1), DateTime.Now);
    }

    [Fact]
    public void The_key_file_is_an_unencrypted_PKCS8_key_matching_the_certificate()
    {
        using var certificate = ServerCertificate.LoadOrCreate(TlsDirectory, out _);

        var pem = File.ReadAllText(KeyPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        using var certificateKey = certificate.GetECDsaPublicKey()!;
        Assert.Equal(certificateKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void A_missing_key_file_makes_a_new_certificate()
    {
        string first;
        using (var created = ServerCertificate.LoadOrCreate(TlsDirectory, out _))
            first = ServerCertificate.Fingerprint(created);
        File.Delete(KeyPath);

        using var replaced = ServerCertificate.LoadOrCreate(TlsDirectory, out var created2);

        Assert.True(created2);
        Assert.NotEqual(first, ServerCertificate.Fingerprint(replaced));
    }

    [Fact]
    public void A_temporary_file_left_by_a_crash_is_replaced_not_reused()
    {
        Directory.CreateDirectory(TlsDirectory);
        var leftover = KeyPath + ".tmp";
        File.WriteAllText(leftover, "half a key");
        File.SetUnixFileMode(leftover, (UnixFileMode)0x1B6);

        using var certificate = ServerCertificate.LoadOrCreate(TlsDirectory, out var created);

        Assert.True(created);
        Assert.False(File.Exists(leftover));
        Assert.Equal(Private, File.GetUnixFileMode(KeyPath));
    }

    [Fact]
    public void The_fingerprint_is_the_lowercase_SHA256_of_the_DER_certificate()
    {
        using var certificate = ServerCertificate.LoadOrCreate(TlsDirectory, out _);

        var expected = "sha256:" + string.Concat(SHA256.HashData(certificate.RawData).Select(value => value.ToString("x2", null)));
        Assert.Equal(expected, ServerCertificate.Fingerprint(certificate));
    }

    [Fact]
    public void A_certificate_file_that_is_not_PEM_is_named_in_the_error()
    {
        ServerCertificate.LoadOrCreate(TlsDirectory, out _).Dispose();
        File.WriteAllText(CertificatePath, "not a certificate\n");

        var error = Assert.Throws<InvalidDataException>(() => ServerCertificate.Load(CertificatePath, KeyPath));

        Assert.StartsWith(CertificatePath + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_for_another_certificate_is_named_in_the_error()
    {
        var otherDirectory = Path.Combine(_root, "other");
        ServerCertificate.LoadOrCreate(TlsDirectory, out _).Dispose();
        ServerCertificate.LoadOrCreate(otherDirectory, out _).Dispose();
        var otherKey = Path.Combine(otherDirectory, "key.pem");

        var error = Assert.Throws<InvalidDataException>(() => ServerCertificate.Load(CertificatePath, otherKey));

        Assert.StartsWith(otherKey + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(CertificatePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named_in_the_error()
    {
        Directory.CreateDirectory(TlsDirectory);

        var error = Assert.Throws<FileNotFoundException>(() => ServerCertificate.Load(CertificatePath, KeyPath));

        Assert.Equal(CertificatePath, error.FileName);
    }
}
