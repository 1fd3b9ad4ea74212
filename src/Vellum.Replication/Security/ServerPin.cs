using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vellum.Replication.Security;

/// <summary>
/// How a source decides to trust the replication server's certificate: either one exact
/// certificate (its SHA-256 fingerprint, for the self-signed certificate <c>vellum serve</c>
/// generates), or any certificate for the host connected to that chains to one given CA.
/// The system's root store is never consulted: a source trusts only what it was told to.
/// </summary>
public sealed class ServerPin
{
    private const string FingerprintPrefix = "sha256:";
    private const int FingerprintSize = 32;
    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    private readonly byte[]? _fingerprint;
    private readonly X509Certificate2Collection? _authorities;
    private readonly string? _authorityFile;

    private ServerPin(byte[]? fingerprint, X509Certificate2Collection? authorities, string? authorityFile)
    {
        _fingerprint = fingerprint;
        _authorities = authorities;
        _authorityFile = authorityFile;
    }

    /// <summary>
    /// Pins one certificate by its SHA-256 fingerprint: "sha256:" and 64 hex digits as
    /// <see cref="ServerCertificate.Fingerprint"/> prints it, or the bare hex; any case,
    /// with or without colons between the bytes.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a fingerprint.</exception>
    public static ServerPin Fingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var text = fingerprint.Trim();
        if (text.StartsWith(FingerprintPrefix, StringComparison.OrdinalIgnoreCase))
            text = text[FingerprintPrefix.Length..];
        var digits = text.Contains(':', StringComparison.Ordinal) ? JoinColonSeparatedBytes(text) : text;
        if (digits is null || digits.Length != 2 * FingerprintSize || !digits.All(char.IsAsciiHexDigit))
        {
            throw new FormatException(
                $"'{fingerprint}' is not a certificate fingerprint: expected \"sha256:\" and 64 hex digits (the SHA-256 of the server certificate, as the server prints it)");
        }
        return new ServerPin(Convert.FromHexString(digits), null, null);
    }

    /// <summary>
    /// Trusts a server certificate that chains to a CA certificate in <paramref name="caPemFile"/>
    /// (and to nothing else) and names the host the source connects to.
    /// </summary>
    /// <exception cref="InvalidDataException">The file holds no PEM certificate.</exception>
    public static ServerPin CertificateAuthority(string caPemFile)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caPemFile);
        }
        catch (CryptographicException error)
        {
            throw new InvalidDataException($"{caPemFile}: not a PEM CA certificate ({error.Message})", error);
        }
        if (authorities.Count == 0)
            throw new InvalidDataException($"{caPemFile}: holds no PEM certificate (expected a \"-----BEGIN CERTIFICATE-----\" block)");
        return new ServerPin(null, authorities, caPemFile);
    }

    /// <summary>
    /// Whether the certificate the server presented is the one pinned; when not,
    /// <paramref name="problem"/> says why in words for the operator.
    /// </summary>
    /// <param name="chain">The chain TLS built; only its extra store (the intermediates the server sent) is used.</param>
    /// <param name="errors">What TLS found; a CA pin honours its name check, a fingerprint pin needs none of it.</param>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string problem)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problem = "the server presented no certificate";
            return false;
        }
        return _fingerprint is not null
            ? ValidateFingerprint(certificate, _fingerprint, out problem)
            : ValidateAuthority(certificate, chain, errors, out problem);
    }

    /// <summary>A callback for <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/> that reports each rejection to <paramref name="onRejected"/>.</summary>
    public RemoteCertificateValidationCallback Callback(Action<string> onRejected)
    {
        ArgumentNullException.ThrowIfNull(onRejected);
        return (_, certificate, chain, errors) =>
        {
            if (Validate(certificate, chain, errors, out var problem))
                return true;
            onRejected(problem);
            return false;
        };
    }

    private static bool ValidateFingerprint(X509Certificate certificate, byte[] pinned, out string problem)
    {
        // Name and chain errors are expected and ignored: the pinned certificate is self-signed
        // and reached by whatever address, and matching its exact bytes is the whole check.
        var actual = SHA256.HashData(certificate.GetRawCertData());
        if (actual.AsSpan().SequenceEqual(pinned))
        {
            problem = "";
            return true;
        }
        problem = $"server certificate {FingerprintPrefix}{Convert.ToHexStringLower(actual)} does not match the pinned {FingerprintPrefix}{Convert.ToHexStringLower(pinned)}";
        return false;
    }

    private bool ValidateAuthority(X509Certificate certificate, X509Chain? presented, SslPolicyErrors errors, out string problem)
    {
        using var copy = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var leaf = certificate as X509Certificate2 ?? copy!;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problem = $"server certificate {leaf.Subject} does not name the host connected to";
            return false;
        }
        // TLS built its chain against the system roots; rebuild it against the pinned CA alone.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        // A private CA publishes no revocation lists; asking would only fail offline.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthenticationOid));
        if (presented is not null)
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        if (chain.Build(leaf))
        {
            problem = "";
            return true;
        }
        var reasons = chain.ChainStatus
            .Where(status => status.Status != X509ChainStatusFlags.NoError)
            .Select(status => status.StatusInformation.Trim() is { Length: > 0 } information ? information : status.Status.ToString());
        problem = $"server certificate {leaf.Subject} (issued by {leaf.Issuer}) is not trusted by the CA in {_authorityFile}: {string.Join("; ", reasons)}";
        return false;
    }

    /// <summary>"AB:CD:..." to "ABCD...", or null unless every part is exactly one byte.</summary>
    private static string? JoinColonSeparatedBytes(string text)
    {
        var parts = text.Split(':');
        return parts.All(part => part.Length == 2) ? string.Concat(parts) : null;
    }
}
