using System.Globalization;
using Vellum.Replication;
using Vellum.Replication.Security;

namespace Vellum.Cli.Commands;

/// <summary>A mount's replication: its targets, the journal's secret, and how long --sync remote waits.</summary>
internal sealed record ReplicationOptions(IReadOnlyList<ReplicationTarget> Targets, string? SecretFile, TimeSpan RemoteTimeout)
{
    public const string Usage = "[--replicate tcp://HOST:PORT ... --secret-file FILE (--tls-fingerprint SHA256 | --tls-ca FILE | --insecure [--force-insecure]) [--remote-timeout SECONDS]]";

    public static readonly ReplicationOptions None = new([], null, TimeSpan.FromSeconds(30));

    /// <summary>Collects the replication options out of a command line as they come.</summary>
    internal sealed class Builder
    {
        private readonly List<string> _addresses = [];
        private string? _secretFile;
        private string? _fingerprint;
        private string? _caFile;
        private bool _insecure;
        private bool _forceInsecure;
        private TimeSpan _timeout = None.RemoteTimeout;

        /// <summary>Takes args[i] (and its value) when it is a replication option; an error when its value is bad.</summary>
        public bool TryTake(IReadOnlyList<string> args, ref int i, out string? error)
        {
            error = null;
            var hasValue = i + 1 < args.Count;
            switch (args[i])
            {
                case "--replicate" when hasValue:
                    _addresses.Add(args[++i]);
                    return true;
                case "--secret-file" when hasValue:
                    _secretFile = args[++i];
                    return true;
                case "--tls-fingerprint" when hasValue:
                    _fingerprint = args[++i];
                    return true;
                case "--tls-ca" when hasValue:
                    _caFile = args[++i];
                    return true;
                case "--insecure":
                    _insecure = true;
                    return true;
                case "--force-insecure":
                    _insecure = _forceInsecure = true;
                    return true;
                case "--remote-timeout" when hasValue:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                    {
                        error = $"--remote-timeout {args[i]}: expected a number of seconds above 0";
                        return false;
                    }
                    _timeout = TimeSpan.FromSeconds(seconds);
                    return true;
                default:
                    return false;
            }
        }

        public bool TryBuild(out ReplicationOptions options, out string? error)
        {
            options = None;
            error = null;
            if (_addresses.Count == 0)
            {
                if (_secretFile is not null || _fingerprint is not null || _caFile is not null || _insecure)
                    error = "--secret-file, --tls-fingerprint, --tls-ca and --insecure belong with --replicate";
                return error is null;
            }
            if (_secretFile is null)
            {
                error = "--replicate needs --secret-file FILE: the secret this journal proves itself with (the target's --secrets lists it)";
                return false;
            }
            if (!File.Exists(_secretFile))
            {
                error = $"--secret-file {_secretFile}: no such file; it holds this journal's secret (at least 16 bytes, mode 0600)";
                return false;
            }
            if ((_fingerprint is not null) && (_caFile is not null) || (_fingerprint ?? _caFile) is not null && _insecure)
            {
                error = "choose one of --tls-fingerprint, --tls-ca and --insecure";
                return false;
            }
            try
            {
                var pin = _fingerprint is not null ? ServerPin.Fingerprint(_fingerprint) : _caFile is not null ? ServerPin.CertificateAuthority(_caFile) : null;
                options = new ReplicationOptions([.. _addresses.Select(address => ReplicationTarget.Parse(address, pin, _insecure, _forceInsecure))], Path.GetFullPath(_secretFile), _timeout);
                return true;
            }
            catch (Exception invalid) when (invalid is FormatException or IOException or InvalidDataException)
            {
                error = invalid.Message;
                return false;
            }
        }
    }
}
