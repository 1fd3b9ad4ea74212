using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Vellum.Host;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum serve --store DIR --listen HOST:PORT --secrets FILE [--mirror DIR]`: receives
/// journals from `vellum mount --replicate`, each into DIR/&lt;journal id&gt;, acknowledging
/// what is durable, until SIGINT or SIGTERM. TLS with the certificate given, or one it
/// creates in DIR/tls on first start (its fingerprint printed for sources to pin).
/// </summary>
internal static class ServeCommand
{
    private const string SecretsWayOut = "it lists each journal's secret as lines 'JOURNAL-UUID SECRET' or '* SECRET', mode 0600";

    public static Command Create()
    {
        var store = new Option<string>("--store")
        {
            Description = "the directory that keeps each journal received, in DIR/<journal id>; created if missing",
            HelpName = "DIR",
            Required = true,
        };
        var listen = new Option<IPEndPoint>("--listen")
        {
            Description = "the address and port to listen on, e.g. 127.0.0.1:7400 or [::]:7400",
            HelpName = "HOST:PORT",
            Required = true,
            CustomParser = ParseEndpoint,
        };
        var secrets = new Option<string>("--secrets")
        {
            Description = "the journals' secrets: lines 'JOURNAL-UUID SECRET' or '* SECRET' (mode 0600)",
            HelpName = "FILE",
            Required = true,
        };
        var mirror = new Option<string?>("--mirror")
        {
            Description = "keep DIR/<journal id> equal to each source's backing directory (complete transactions only)",
            HelpName = "DIR",
        };
        var certificate = new Option<string?>("--tls-cert") { Description = "the server's certificate (PEM); default: a self-signed one created in STORE/tls", HelpName = "FILE" };
        var key = new Option<string?>("--tls-key") { Description = "the private key of --tls-cert (PEM)", HelpName = "FILE" };
        var insecure = new Option<bool>("--insecure") { Description = "plain TCP instead of TLS, on a loopback address only" };

        var command = new VellumCommand("serve", "Receive journals from mounts started with --replicate into STORE/<journal id>, acknowledge them once durable, and keep --mirror DIR/<journal id> equal to each; Ctrl-C or SIGTERM stops.")
        {
            LinePrefix = "vellum serve",
            Examples =
            [
                ("vellum serve --store /srv/vellum --listen [::]:7400 --secrets /etc/vellum/secrets", "receive journals over TLS with a self-signed certificate; the first line prints the fingerprint for --tls-fingerprint"),
                ("vellum serve --store /srv/vellum --listen [::]:7400 --secrets /etc/vellum/secrets --mirror /srv/mirrors", "also keep a live copy of each source's files"),
            ],
        };
        var scrubInterval = ScrubIntervalOption.Create("each received journal's");
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { store, listen, secrets, mirror, certificate, key, insecure, scrubInterval, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            ServeOptions.Create(
                parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(listen), parseResult.GetValue(mirror), parseResult.GetRequiredValue(secrets),
                parseResult.GetValue(certificate), parseResult.GetValue(key), parseResult.GetValue(insecure)) with
            {
                ScrubInterval = parseResult.GetValue(scrubInterval) ?? ScrubIntervalOption.Default,
                AllowSharedJournal = parseResult.GetValue(allowShared),
            },
            logs));
        return command;
    }

    /// <exception cref="CommandFailure">A file or directory is wrong, or the address cannot be listened on.</exception>
    public static int Run(ServeOptions options, ILoggerFactory logs)
    {
        PathChecks.ReadableFile(options.Secrets, "--secrets", SecretsWayOut);
        PathChecks.PrivateDirectory(options.Store, "the store", "choose a writable directory with --store DIR");
        if (options.Mirror is { } mirrorDirectory)
            PathChecks.WritableDirectory(mirrorDirectory, "the mirror directory", "choose a writable directory with --mirror DIR");
        if (options.CertificateFile is { } certificateFile)
        {
            PathChecks.ReadableFile(certificateFile, "--tls-cert", "give the server's certificate as a PEM file");
            PathChecks.ReadableFile(options.KeyFile!, "--tls-key", "give the certificate's private key as a PEM file");
        }
        try
        {
            using var stop = new ManualResetEventSlim();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Set(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Set(); });
            using var node = StartListening(new ServeNodeOptions
            {
                StoreDirectory = options.Store,
                Listen = options.Listen,
                SecretsFile = options.Secrets,
                MirrorDirectory = options.Mirror,
                CertificateFile = options.CertificateFile,
                KeyFile = options.KeyFile,
                Insecure = options.Insecure,
                ScrubInterval = options.ScrubInterval,
                AllowSharedJournal = options.AllowSharedJournal,
                LoggerFactory = logs,
            });
            stop.Wait();
            return ExitCodes.Done;
        }
        catch (InvalidDataException invalid) when (invalid.Message.StartsWith(options.Secrets, StringComparison.Ordinal))
        {
            // The mode's problem comes with its fix (chmod); the form's with the form it needs.
            throw CommandFailure.Environment(invalid.Message.Contains("chmod", StringComparison.Ordinal) ? $"--secrets {invalid.Message}" : $"--secrets {invalid.Message}; {SecretsWayOut}");
        }
        catch (InvalidDataException invalid)
        {
            throw CommandFailure.Environment($"{invalid.Message}; give --tls-cert and --tls-key PEM files");
        }
        catch (CryptographicException invalid)
        {
            throw CommandFailure.Environment($"the TLS certificate: {invalid.Message.TrimEnd('.')}; give --tls-cert and --tls-key PEM files, or remove {Path.Combine(options.Store, "tls")} to have a new one made");
        }
        catch (Exception refused) when (SystemErrors.IsRefusal(refused))
        {
            throw CommandFailure.Environment(SystemErrors.Sentence(refused));
        }
    }

    private static ServeNode StartListening(ServeNodeOptions options)
    {
        try
        {
            return ServeNode.Start(options);
        }
        catch (SocketException refused)
        {
            var endpoint = options.Listen;
            throw CommandFailure.Environment(refused.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"--listen {endpoint}: the address is already in use (another 'vellum serve', or another program, listens there); choose another port",
                SocketError.AddressNotAvailable => $"--listen {endpoint}: no network interface of this machine has that address; give one of its addresses, or [::] for all",
                SocketError.AccessDenied => $"--listen {endpoint}: permission denied (ports below 1024 need root); choose a port from 1024 up",
                _ => $"--listen {endpoint}: {refused.Message}",
            });
        }
    }

    private static IPEndPoint ParseEndpoint(ArgumentResult result)
    {
        var listen = result.Tokens.Single().Value;
        if (IPEndPoint.TryParse(listen, out var endpoint) && (endpoint.Port != 0 || listen.EndsWith(":0", StringComparison.Ordinal)))
            return endpoint;
        result.AddError($"--listen {listen}: expected ADDRESS:PORT, e.g. 127.0.0.1:7400 or [::]:7400");
        return new IPEndPoint(IPAddress.Loopback, 0);
    }
}
