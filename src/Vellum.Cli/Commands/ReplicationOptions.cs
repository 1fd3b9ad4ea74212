using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Vellum.Replication;
using Vellum.Replication.Security;

namespace Vellum.Cli.Commands;

/// <summary>A mount's replication: its targets, the journal's secret, and how long --sync remote waits.</summary>
internal sealed record ReplicationOptions(IReadOnlyList<ReplicationTarget> Targets, string? SecretFile, TimeSpan RemoteTimeout)
{
    public static readonly ReplicationOptions None = new([], null, TimeSpan.FromSeconds(30));

    /// <summary>`vellum mount`'s replication options on the command line.</summary>
    internal sealed class CommandLine
    {
        private readonly Option<string[]> _replicate = new("--replicate")
        {
            Description = "stream the journal to the 'vellum serve' at this address (repeat for more targets)",
            HelpName = "tcp://HOST:PORT",
            Arity = ArgumentArity.OneOrMore,
        };

        private readonly Option<string?> _secretFile = new("--secret-file")
        {
            Description = "the file holding this journal's secret (at least 16 bytes, mode 0600), listed in the target's --secrets",
            HelpName = "FILE",
        };

        private readonly Option<string?> _fingerprint = new("--tls-fingerprint")
        {
            Description = "accept only the target certificate with this SHA-256 fingerprint (what 'vellum serve' prints)",
            HelpName = "sha256:HEX",
        };

        private readonly Option<string?> _caFile = new("--tls-ca")
        {
            Description = "accept target certificates signed by this CA certificate (PEM)",
            HelpName = "FILE",
        };

        private readonly Option<bool> _insecure = new("--insecure")
        {
            Description = "plain TCP to a loopback target started with --insecure (no TLS)",
        };

        private readonly Option<bool> _forceInsecure = new("--force-insecure")
        {
            Description = "plain TCP to a target that is not on loopback: journals travel unprotected",
        };

        private readonly Option<TimeSpan?> _remoteTimeout = new("--remote-timeout")
        {
            Description = "how long an fsync with --sync remote waits for the targets before failing with EIO (default 30)",
            HelpName = "SECONDS",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseTimeout,
        };

        public IEnumerable<Option> Options => [_replicate, _secretFile, _fingerprint, _caFile, _insecure, _forceInsecure, _remoteTimeout];

        /// <exception cref="CommandFailure">Options that do not go together (usage), a secret or CA file that is missing (environment).</exception>
        public ReplicationOptions Read(ParseResult parseResult)
        {
            var addresses = parseResult.GetValue(_replicate) ?? [];
            var secretFile = parseResult.GetValue(_secretFile) is { } given ? Path.GetFullPath(given) : null;
            var fingerprint = parseResult.GetValue(_fingerprint);
            var caFile = parseResult.GetValue(_caFile) is { } ca ? Path.GetFullPath(ca) : null;
            var forceInsecure = parseResult.GetValue(_forceInsecure);
            var insecure = parseResult.GetValue(_insecure) || forceInsecure;
            if (addresses.Length == 0)
            {
                if (secretFile is not null || fingerprint is not null || caFile is not null || insecure)
                    throw CommandFailure.Usage("--secret-file, --tls-fingerprint, --tls-ca and --insecure belong with --replicate");
                return None;
            }
            if (secretFile is null)
                throw CommandFailure.Usage("--replicate needs --secret-file FILE: the secret this journal proves itself with (the target's --secrets lists it)");
            if ((fingerprint is not null) && (caFile is not null) || (fingerprint ?? caFile) is not null && insecure)
                throw CommandFailure.Usage("choose one of --tls-fingerprint, --tls-ca and --insecure");
            PathChecks.ReadableFile(secretFile, "--secret-file", "it holds this journal's secret (at least 16 bytes, mode 0600)");
            try
            {
                SecretBook.ReadSecretFile(secretFile);
            }
            catch (InvalidDataException invalid)
            {
                throw CommandFailure.Environment($"--secret-file {invalid.Message}");
            }
            if (caFile is not null)
                PathChecks.ReadableFile(caFile, "--tls-ca", "give the PEM file of the CA that signed the target's certificate");
            ServerPin? pin;
            try
            {
                pin = fingerprint is not null ? ServerPin.Fingerprint(fingerprint) : caFile is not null ? ServerPin.CertificateAuthority(caFile) : null;
            }
            catch (FormatException invalid)
            {
                throw CommandFailure.Usage($"--tls-fingerprint {invalid.Message}");
            }
            catch (InvalidDataException invalid)
            {
                throw CommandFailure.Environment($"--tls-ca {invalid.Message}; give the PEM file of the CA that signed the target's certificate");
            }
            var targets = new List<ReplicationTarget>();
            foreach (var address in addresses)
            {
                try
                {
                    targets.Add(ReplicationTarget.Parse(address, pin, insecure, forceInsecure));
                }
                catch (FormatException invalid)
                {
                    throw CommandFailure.Usage(invalid.Message);
                }
            }
            return new ReplicationOptions(targets, secretFile, parseResult.GetValue(_remoteTimeout) ?? None.RemoteTimeout);
        }

        private static TimeSpan? ParseTimeout(ArgumentResult result)
        {
            var value = result.Tokens.Single().Value;
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds)
                return TimeSpan.FromSeconds(seconds);
            result.AddError($"--remote-timeout {value}: expected a number of seconds above 0");
            return null;
        }
    }
}
